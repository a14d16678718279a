package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.Rollout;
import io.autodidact.store.RunDirectory;
import io.autodidact.testing.TinyRun;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipe grpo through the real loop: advantages and old log-probabilities reach the Python kernel, monitors reach the metrics. */
class GrpoLoopTest {
    @Test
    void grpoIterationTrainsOnAdvantagesWithThePythonKernelAndLogsItsMonitors(@TempDir Path tmp) {
        String config = TinyRun.withRecipe(
                "recipe: {name: grpo, samples: 4, batch_size: 16, epochs: 2, lr: 0.001, kl_coef: 0.05, eps_high: 0.28, kernel: python}")
                .replace("iterations: 2", "iterations: 1");
        RunDirectory run = TinyRun.run(config, tmp.resolve("run"), LoopRunnerTest.ENGINES);
        List<Rollout> rollouts;
        try (var alloc = new RootAllocator()) {
            rollouts = run.rollouts(alloc).readAll();
        }
        assertEquals(24 * 4, rollouts.size());
        long selected = rollouts.stream().filter(Rollout::selected).count();
        assertTrue(selected > 0, "some groups have mixed rewards");
        for (Rollout r : rollouts) if (!r.selected()) assertEquals(0, r.advantage(), "skipped groups carry no advantage");
        double sum = rollouts.stream().filter(Rollout::selected).mapToDouble(Rollout::advantage).sum();
        assertEquals(0, sum, 1e-6, "group advantages are centred");
        IterationMetrics m = run.metrics().read().getLast();
        for (String key : List.of("train_clip_fraction", "train_kl", "train_entropy", "train_ratio", "train_advantage_std"))
            assertTrue(m.extra().containsKey(key), key + " missing from " + m.extra());
        assertTrue(m.extra().get("train_kl") >= 0 && m.extra().get("train_entropy") > 0, m.extra().toString());
        assertTrue(m.trained());
    }
}
