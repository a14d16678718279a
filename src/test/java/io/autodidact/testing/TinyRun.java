package io.autodidact.testing;

import io.autodidact.engine.EngineFactory;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.run.RunLauncher;
import io.autodidact.store.RunDirectory;
import java.nio.file.Path;
import java.util.List;

/** The smallest run config that still exercises every stage in seconds: shared by the loop and service tests. */
public final class TinyRun {
    private TinyRun() {}

    public static final String CONFIG = """
            name: tiny
            seed: 3
            iterations: 2
            task: {name: addition, options: {width: 3}, problems_per_iteration: 24, min_difficulty: 1, max_difficulty: 3}
            model: {hidden: 48, layers: 2, heads: 4, kv_heads: 2, context: 32}
            bootstrap: {examples: 400, steps: 300, batch_size: 32, lr: 0.005, warmup_steps: 20}
            recipe: {name: star, samples: 3, train_steps: 6, batch_size: 16, warmup_steps: 2}
            generate: {part_problems: 10, max_new_tokens: 24}
            eval: {per_difficulty: 6, pass_k: 2}
            engine: {threads: 1, max_batch_rows: 64}
            """;

    /** The recipe line of {@link #CONFIG}, which a test replaces to run another recipe on the same tiny run. */
    public static final String STAR_RECIPE = "recipe: {name: star, samples: 3, train_steps: 6, batch_size: 16, warmup_steps: 2}";

    /** {@link #CONFIG} with its recipe line replaced by {@code recipe}, a whole line such as {@code recipe: {name: grpo}}. */
    public static String withRecipe(String recipe) {
        if (!CONFIG.contains(STAR_RECIPE)) throw new IllegalStateException("TinyRun.CONFIG no longer has the line " + STAR_RECIPE);
        return CONFIG.replace(STAR_RECIPE, recipe);
    }

    /** Runs {@code config} to its end in {@code dir} with {@code engines}, no events, and opens what it wrote. */
    public static RunDirectory run(String config, Path dir, EngineFactory engines) {
        RunLauncher.start(RunSpecReader.parse(config, Path.of("."), List.of(), "test"), dir, engines, LoopEvents.NONE).runner().run();
        return RunDirectory.open(dir);
    }
}
