package io.autodidact.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.recipe.Score;
import io.autodidact.run.RunLauncher;
import io.autodidact.store.RunDirectory;
import io.autodidact.testing.TinyRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two-attempt probe on a real tiny SCoRe run: figures for the base and the arm, consistent with each other. */
class TwoAttemptProbeTest {
    @Test
    void measuresFirstAndSecondAttemptsOfTheBaseAndEveryArm(@TempDir Path tmp) {
        // A longer bootstrap than the shared tiny run's: with 300 steps the base sometimes solved none of the 18 held-out
        // sums (libtorch's run-to-run drift), and a probe of an all-wrong model checks no transition at all.
        String config = TinyRun.CONFIG.replace("iterations: 2", "iterations: 1").replace("context: 32", "context: 80")
                .replace("steps: 300,", "steps: 900,").replace(
                "recipe: {name: star, samples: 3, train_steps: 6, batch_size: 16, warmup_steps: 2}",
                "recipe: {name: score, samples: 2, batch_size: 32, lr: 0.001}");
        RunSpec spec = RunSpecReader.parse(config, Path.of("."), List.of(), "test");
        Path arm = tmp.resolve("my-arm");
        DjlEngineFactory engines = DjlEngineFactory.forRun(spec, 1);
        RunLauncher.start(spec, arm, engines, LoopEvents.NONE).runner().run();
        Path base = RunDirectory.open(arm).checkpoints().directory(0);
        Map<String, Double> f = new TwoAttemptProbe(Score.DEFAULT_CUE).measure(new Reproduction.ProbeContext(spec, base, Map.of("my-arm", arm), engines));
        assertEquals(18.0, f.get("problems"), "3 eval sets of 6");
        for (String model : List.of("base", "my_arm")) {
            for (String k : List.of("t1", "t2", "delta", "i_to_c", "c_to_i", "unchanged")) assertTrue(f.containsKey(model + "_" + k), model + "_" + k + " in " + f);
            assertEquals(f.get(model + "_t2") - f.get(model + "_t1"), f.get(model + "_i_to_c") - f.get(model + "_c_to_i"), 1e-9,
                    "t2 - t1 is the net of corrections: " + f);
            assertEquals(f.get(model + "_delta"), f.get(model + "_t2") - f.get(model + "_t1"), 1e-9);
        }
        assertTrue(f.get("base_t1") > 0, "the tiny base solves some held-out sums: " + f);
    }
}
