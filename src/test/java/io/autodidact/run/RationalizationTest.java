package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.store.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STaR's rationalization on the real engine: who gets hinted samples, how they are stored, and what is kept. */
class RationalizationTest {
    static final DjlEngineFactory ENGINES = new DjlEngineFactory(EngineOptions.defaults().withThreads(1));

    // TinyRun's sizes, with room in the context for the hint (answer line + newline before the prompt).
    static final String CONFIG = """
            name: rationalize
            seed: 3
            iterations: 1
            task: {name: addition, options: {width: 3}, problems_per_iteration: 24, min_difficulty: 1, max_difficulty: 3}
            model: {hidden: 48, layers: 2, heads: 4, kv_heads: 2, context: 48}
            bootstrap: {examples: 400, steps: 300, batch_size: 32, lr: 0.005, warmup_steps: 20}
            recipe: {name: star, samples: 3, train_steps: 6, batch_size: 16, warmup_steps: 2, rationalize: true, rationalize_samples: 2}
            generate: {part_problems: 10, max_new_tokens: 24}
            eval: {per_difficulty: 6, pass_k: 0}
            engine: {threads: 1, max_batch_rows: 64}
            """;

    @Test
    void failedProblemsAreResampledWithTheAnswerAsAHintAndStoredWithoutIt(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        RunSpec spec = RunSpecReader.parse(CONFIG, Path.of("."), List.of(), "test");
        RunLauncher.start(spec, dir, ENGINES, LoopEvents.NONE).runner().run();

        Map<String, List<Rollout>> byProblem = new TreeMap<>();
        try (var alloc = new RootAllocator()) {
            for (Rollout r : RunDirectory.open(dir).rollouts(alloc).readIteration(1))
                byProblem.computeIfAbsent(r.problemId(), k -> new ArrayList<>()).add(r);
        }
        assertEquals(24, byProblem.size());
        int failed = 0, solved = 0, keptHinted = 0;
        List<Rollout> hintedRows = new ArrayList<>();
        for (var e : byProblem.entrySet()) {
            List<Rollout> direct = e.getValue().stream().filter(r -> !r.hinted()).toList();
            List<Rollout> hinted = e.getValue().stream().filter(Rollout::hinted).toList();
            assertEquals(List.of(0, 1, 2), direct.stream().map(Rollout::sampleIndex).toList(), e.getKey());
            if (direct.stream().anyMatch(Rollout::correct)) {
                solved++;
                assertTrue(hinted.isEmpty(), e.getKey() + " was solved, so it gets no hinted samples");
                continue;
            }
            failed++;
            assertEquals(List.of(3, 4), hinted.stream().map(Rollout::sampleIndex).toList(), e.getKey() + ": hinted samples follow the others");
            for (Rollout h : hinted) {
                assertArrayEquals(direct.getFirst().promptTokens(), h.promptTokens(), "stored under the hint-free prompt");
                assertTrue(h.hint().startsWith(">") && h.hint().endsWith("\n"), "the answer line, then the prompt: " + h.hint());
                if (h.selected()) {
                    assertTrue(h.correct(), "only verified rationalizations are kept");
                    keptHinted++;
                }
                hintedRows.add(h);
            }
        }
        assertTrue(failed > 0 && solved > 0, "the tiny base both solves and fails problems (solved " + solved + ", failed " + failed + ")");

        // The stored log-probabilities are the behaviour policy's: the base policy with the hint in its context.
        try (PolicyEngine base = ENGINES.load(dir.resolve("checkpoints/iter-0000"))) {
            Rollout h = hintedRows.getFirst();
            String prompt = base.tokenizer().decode(h.promptTokens());
            float[] withHint = base.logprobs(List.of(base.tokenizer().encode(h.hint() + prompt)), List.of(h.completionTokens())).getFirst();
            for (int i = 0; i < withHint.length; i++) assertEquals(withHint[i], h.logprobs()[i], 1e-4, "token " + i);
        }
        var metrics = RunDirectory.open(dir).metrics().read().getLast();
        assertEquals(keptHinted, metrics.extra().get("selected_rationalized").intValue());
    }

    @Test
    void aTaskWithoutAHintFormatRefusesRationalizationNamingTheOption(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("train.jsonl"), "{\"id\": \"a\", \"prompt\": \"1+1=\", \"answer\": \"2\"}\n");
        RunSpec spec = RunSpecReader.parse("""
                task: {dataset: train.jsonl, verifier: exact}
                recipe: {name: star, rationalize: true}
                """, tmp, List.of(), "test");
        var e = assertThrows(ConfigMap.ConfigException.class, () -> RunLauncher.validate(spec));
        assertTrue(e.getMessage().startsWith("recipe.rationalize"), e.getMessage());
    }
}
