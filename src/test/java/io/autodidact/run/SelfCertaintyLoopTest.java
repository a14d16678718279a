package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.Rollout;
import io.autodidact.store.RunDirectory;
import io.autodidact.testing.TinyRun;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipe self-certainty through the real loop and engine, one iteration per mode. */
class SelfCertaintyLoopTest {
    static RunDirectory run(Path dir, String recipe) {
        return TinyRun.run(TinyRun.withRecipe(recipe).replace("iterations: 2", "iterations: 1").replace("pass_k: 2", "pass_k: 0"), dir,
                LoopRunnerTest.ENGINES);
    }

    static List<Rollout> rollouts(RunDirectory run) {
        try (var alloc = new RootAllocator()) {
            return run.rollouts(alloc).readAll();
        }
    }

    @Test
    void sharpenSftTrainsOnTheMostCertainSampleOfEachProblemAndLogsCertainty(@TempDir Path tmp) {
        RunDirectory run = run(tmp.resolve("sft"), "recipe: {name: self-certainty, mode: sharpen-sft, samples: 3, train_steps: 4, batch_size: 8, warmup_steps: 1}");
        List<Rollout> all = rollouts(run);
        assertEquals(24 * 3, all.size());
        Map<String, Rollout> picked = new HashMap<>();
        for (Rollout r : all) {
            assertTrue(r.reward() > 0, "the stored reward is the self-certainty, positive for a trained model: " + r.reward());
            if (r.selected()) assertNull(picked.put(r.problemId(), r), "one pick per problem");
        }
        assertEquals(24, picked.size(), "every problem has a most certain sample, right or wrong");
        for (Rollout r : all) assertTrue(r.reward() <= picked.get(r.problemId()).reward(), "the pick is the most certain of its problem");
        IterationMetrics m = run.metrics().read().getLast();
        for (String key : List.of("select_certainty_mean", "select_certainty_selected_mean", "select_selected_accuracy",
                "select_sample_accuracy", "select_most_certain_accuracy"))
            assertTrue(m.extra().containsKey(key), key + " missing from " + m.extra());
        assertTrue(m.extra().get("select_certainty_selected_mean") >= m.extra().get("select_certainty_mean"));
        assertEquals(24, m.samplesSelected());
        assertTrue(m.trained());
    }

    @Test
    void sharpenRlUsesGrposUpdateWithCertaintyAsTheReward(@TempDir Path tmp) {
        RunDirectory run = run(tmp.resolve("rl"), "recipe: {name: self-certainty, mode: sharpen-rl, samples: 4, batch_size: 32, lr: 0.001}");
        List<Rollout> all = rollouts(run);
        assertEquals(24 * 4, all.size());
        assertTrue(all.stream().anyMatch(r -> r.reward() > 0 && r.reward() != 1), "continuous certainty rewards, not verdicts");
        double sum = all.stream().filter(Rollout::selected).mapToDouble(Rollout::advantage).sum();
        assertTrue(all.stream().anyMatch(Rollout::selected));
        assertEquals(0, sum, 1e-4, "group advantages of the certainty are centred");
        IterationMetrics m = run.metrics().read().getLast();
        for (String key : List.of("select_certainty_mean", "select_most_certain_accuracy", "train_clip_fraction", "train_advantage_std"))
            assertTrue(m.extra().containsKey(key), key + " missing from " + m.extra());
    }
}
