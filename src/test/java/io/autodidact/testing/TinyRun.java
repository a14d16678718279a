package io.autodidact.testing;

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
}
