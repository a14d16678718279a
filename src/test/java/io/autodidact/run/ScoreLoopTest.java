package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.TokenIds;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.Rollout;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.AdditionTask;
import io.autodidact.testing.TinyRun;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipe score through the real loop: both attempts stored as pairs, stage I then stage II, transitions in the metrics. */
class ScoreLoopTest {
    @Test
    void twoAttemptRunStoresPairedAttemptsAndLogsTransitionsPerStage(@TempDir Path tmp) {
        String config = TinyRun.withRecipe("recipe: {name: score, samples: 2, stage1_iterations: 1, batch_size: 32, lr: 0.001}")
                .replace("context: 32", "context: 80");
        RunDirectory run = TinyRun.run(config, tmp.resolve("run"), LoopRunnerTest.ENGINES);
        CharTokenizer tok = new CharTokenizer(AdditionTask.ALPHABET);
        int[] cue = tok.encode("\n=");
        List<IterationMetrics> metrics = run.metrics().read();
        try (var alloc = new RootAllocator()) {
            for (int it = 1; it <= 2; it++) {
                List<Rollout> rollouts = run.rollouts(alloc).readIteration(it);
                assertEquals(24 * 4, rollouts.size(), "2 first and 2 second attempts per problem");
                Map<String, Rollout> byKey = new HashMap<>();
                for (Rollout r : rollouts) byKey.put(r.problemId() + "#" + r.sampleIndex(), r);
                int[] counts = new int[4]; // c->c, c->i, i->c, i->i
                for (Rollout y2 : rollouts) {
                    if (y2.sampleIndex() < 2) continue;
                    Rollout y1 = byKey.get(y2.problemId() + "#" + (y2.sampleIndex() - 2));
                    int[] c1 = y1.completionTokens();
                    int end = c1.length > 0 && c1[c1.length - 1] == tok.eosId() ? c1.length - 1 : c1.length;
                    int[] expected = TokenIds.concat(y1.promptTokens(), Arrays.copyOf(c1, end), cue);
                    assertArrayEquals(expected, y2.promptTokens(), "second attempt trains under prompt + first attempt + cue");
                    assertEquals(y2.completionTokens().length, y2.logprobs().length);
                    assertTrue(y2.selected());
                    counts[(y1.correct() ? 0 : 2) + (y2.correct() ? 0 : 1)]++;
                    if (it == 1) assertEquals(0, y1.advantage(), "stage I gives the first attempt no return");
                }
                Map<String, Double> extra = metrics.get(it).extra();
                assertEquals(it == 1 ? 1.0 : 2.0, extra.get("select_stage"));
                String[] names = {"select_c_to_c", "select_c_to_i", "select_i_to_c", "select_i_to_i"};
                for (int k = 0; k < 4; k++) assertEquals(counts[k], extra.get(names[k]), 1e-9, names[k] + " in " + extra);
                assertEquals(extra.get("select_accuracy_t2") - extra.get("select_accuracy_t1"), extra.get("select_delta"), 1e-9);
                assertTrue(extra.containsKey("train_kl"), "the policy-gradient step ran with a KL: " + extra);
            }
        }
    }

}
