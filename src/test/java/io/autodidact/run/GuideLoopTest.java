package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.Rollout;
import io.autodidact.store.RunDirectory;
import io.autodidact.testing.TinyRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipe guide through the real loop: who is resampled with a hint, how hinted samples are stored, which train, and the monitors. */
class GuideLoopTest {
    // RationalizationTest's sizes (room in the context for the hint), one GRPO iteration with the Java kernel.
    static final String CONFIG = RationalizationTest.CONFIG.replace(
            "recipe: {name: star, samples: 3, train_steps: 6, batch_size: 16, warmup_steps: 2, rationalize: true, rationalize_samples: 2}",
            "recipe: {name: guide, samples: 4, batch_size: 16, epochs: 1, lr: 0.001, averaging: token}");

    @Test
    void failedGroupsAreResampledWithTheHintStoredUnderThePlainPromptAndMixedHintedGroupsTrainOffPolicy(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        TinyRun.run(CONFIG, dir, RationalizationTest.ENGINES);
        Map<String, List<Rollout>> byProblem = new TreeMap<>();
        try (var alloc = new RootAllocator()) {
            for (Rollout r : RunDirectory.open(dir).rollouts(alloc).readIteration(1))
                byProblem.computeIfAbsent(r.problemId(), k -> new ArrayList<>()).add(r);
        }
        assertEquals(24, byProblem.size());
        int failed = 0, kept = 0;
        List<Rollout> hintedRows = new ArrayList<>();
        for (var e : byProblem.entrySet()) {
            List<Rollout> plain = e.getValue().stream().filter(r -> !r.hinted()).toList();
            List<Rollout> hinted = e.getValue().stream().filter(Rollout::hinted).toList();
            assertEquals(List.of(0, 1, 2, 3), plain.stream().map(Rollout::sampleIndex).toList(), e.getKey());
            if (plain.stream().anyMatch(Rollout::correct)) {
                assertTrue(hinted.isEmpty(), e.getKey() + " had a correct sample, so it gets no hint");
                continue;
            }
            failed++;
            assertTrue(plain.stream().noneMatch(Rollout::selected), e.getKey() + ": a failed plain group does not train");
            assertEquals(List.of(4, 5, 6, 7), hinted.stream().map(Rollout::sampleIndex).toList(), e.getKey());
            long right = hinted.stream().filter(Rollout::correct).count();
            boolean keep = right > 0 && right < 4;
            double sum = 0;
            for (Rollout h : hinted) {
                assertArrayEquals(plain.getFirst().promptTokens(), h.promptTokens(), "stored under the plain prompt");
                assertTrue(h.hint().startsWith(">") && h.hint().endsWith("\n"), h.hint());
                assertEquals(keep, h.selected(), e.getKey() + ": kept iff the hinted accuracy is in (0, 1), here " + right + "/4");
                sum += h.advantage();
                hintedRows.add(h);
            }
            assertEquals(0, sum, 1e-4, "advantages are centred within the hinted group");
            if (keep) kept++;
        }
        assertTrue(failed > 0, "the tiny base fails some problems");
        assertTrue(kept > 0, "the hint rescues some failed problems (" + failed + " failed)");

        // The stored log-probabilities are the behaviour policy's with the hint in its context, not the plain prompt's.
        try (PolicyEngine base = RationalizationTest.ENGINES.load(dir.resolve("checkpoints/iter-0000"))) {
            Rollout h = hintedRows.getFirst();
            String prompt = base.tokenizer().decode(h.promptTokens());
            float[] withHint = base.logprobs(List.of(base.tokenizer().encode(h.hint() + prompt)), List.of(h.completionTokens())).getFirst();
            float[] without = base.logprobs(List.of(h.promptTokens()), List.of(h.completionTokens())).getFirst();
            double differs = 0;
            for (int i = 0; i < withHint.length; i++) {
                assertEquals(withHint[i], h.logprobs()[i], 1e-4, "token " + i);
                differs += Math.abs(without[i] - h.logprobs()[i]);
            }
            assertTrue(differs > 1e-3, "the hint changes the behaviour policy, so the ratio is off-policy");
        }
        IterationMetrics m = RunDirectory.open(dir).metrics().read().getLast();
        assertEquals((double) failed, m.extra().get("select_hinted_groups"));
        assertEquals((double) kept, m.extra().get("select_hinted_groups_kept"));
        assertTrue(m.extra().get("select_signal_share_guided") > m.extra().get("select_signal_share_plain"), m.extra().toString());
        assertTrue(m.extra().get("train_off_policy_gamma") > 0, "hinted rows reached the kernel as off-policy rows: " + m.extra());
        assertTrue(m.extra().containsKey("train_off_policy_shaped_ratio"), m.extra().toString());
    }
}
