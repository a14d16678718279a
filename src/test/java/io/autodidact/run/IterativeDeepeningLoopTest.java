package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.Rollout;
import io.autodidact.store.RunDirectory;
import io.autodidact.testing.TinyRun;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipe iterative-deepening through the real loop: failed samples continue after the cue, as one trace with the behaviour's log-probabilities. */
class IterativeDeepeningLoopTest {
    static final String CONFIG = TinyRun.withRecipe(
            "recipe: {name: iterative-deepening, samples: 3, train_steps: 6, batch_size: 16, warmup_steps: 2, cue: \"\\n{prompt}\", max_rounds: 2}")
            .replace("iterations: 2", "iterations: 1").replace("context: 32", "context: 96");

    @Test
    void failedSamplesAreContinuedAfterTheCueAndStoredAsOneTraceWhoseCueTokensHaveLogprobZero(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        TinyRun.run(CONFIG, dir, LoopRunnerTest.ENGINES);
        List<Rollout> rollouts;
        try (var alloc = new RootAllocator()) {
            rollouts = RunDirectory.open(dir).rollouts(alloc).readIteration(1);
        }
        assertEquals(24 * 3, rollouts.size(), "deepening replaces samples, it does not add any");
        int deepened = 0;
        try (PolicyEngine base = LoopRunnerTest.ENGINES.load(dir.resolve("checkpoints/iter-0000"))) {
            for (Rollout r : rollouts) {
                String prompt = base.tokenizer().decode(r.promptTokens());
                String cue = "\n" + prompt;
                int at = r.text().indexOf(cue);
                if (at < 0) continue;
                deepened++;
                // The first attempt, then the cue (log-probability 0), then the continuation sampled after prompt + attempt + cue.
                int[] attempt = base.tokenizer().encode(r.text().substring(0, at));
                int[] cueTokens = base.tokenizer().encode(cue);
                for (int j = 0; j < cueTokens.length; j++) {
                    assertEquals(cueTokens[j], r.completionTokens()[attempt.length + j]);
                    assertEquals(0f, r.logprobs()[attempt.length + j], "cue token " + j + " was inserted, not sampled");
                }
                int from = attempt.length + cueTokens.length;
                int[] context = new int[r.promptTokens().length + from];
                System.arraycopy(r.promptTokens(), 0, context, 0, r.promptTokens().length);
                System.arraycopy(r.completionTokens(), 0, context, r.promptTokens().length, from);
                int[] rest = java.util.Arrays.copyOfRange(r.completionTokens(), from, r.completionTokens().length);
                if (rest.length == 0 || r.text().indexOf(cue, at + cue.length()) >= 0) continue; // a second round: checked by its own cue
                float[] lp = base.logprobs(List.of(context), List.of(rest)).getFirst();
                for (int j = 0; j < lp.length; j++) assertEquals(lp[j], r.logprobs()[from + j], 1e-4, "continuation token " + j);
            }
        }
        assertTrue(deepened > 0, "the tiny base fails some samples, which are continued");
        IterationMetrics m = RunDirectory.open(dir).metrics().read().getLast();
        assertTrue(m.extra().get("select_deepening_rounds") > 0, m.extra().toString());
        assertTrue(m.extra().containsKey("select_deepening_fixed_share"), m.extra().toString());
        assertTrue(m.extra().get("select_tokens_per_sample") > 0, m.extra().toString());
    }
}
