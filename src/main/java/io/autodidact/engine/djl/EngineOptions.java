package io.autodidact.engine.djl;

/**
 * How the in-process engine runs: threads for libtorch, how many sequences decode together, and the
 * optimizer's settings. Defaults suit a laptop CPU.
 *
 * @param threads intra-op threads for libtorch (0 = leave libtorch's default)
 * @param maxBatchRows the most sequences decoded in one batch
 */
public record EngineOptions(int threads, int maxBatchRows, double beta1, double beta2, double weightDecay, double gradClip, long seed) {
    public EngineOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        if (maxBatchRows < 1) throw new IllegalArgumentException("max_batch_rows must be >= 1, got " + maxBatchRows);
        new AdamW.Settings(beta1, beta2, 1e-8, weightDecay, gradClip); // validates
    }

    public static EngineOptions defaults() {
        return new EngineOptions(0, 512, 0.9, 0.95, 0.1, 1.0, 0);
    }

    public EngineOptions withThreads(int value) {
        return new EngineOptions(value, maxBatchRows, beta1, beta2, weightDecay, gradClip, seed);
    }

    public EngineOptions withSeed(long value) {
        return new EngineOptions(threads, maxBatchRows, beta1, beta2, weightDecay, gradClip, value);
    }

    public EngineOptions withMaxBatchRows(int value) {
        return new EngineOptions(threads, value, beta1, beta2, weightDecay, gradClip, seed);
    }

    AdamW.Settings adam() {
        return new AdamW.Settings(beta1, beta2, 1e-8, weightDecay, gradClip);
    }
}
