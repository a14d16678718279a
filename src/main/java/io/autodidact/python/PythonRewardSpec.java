package io.autodidact.python;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run a Python reward: {@code code} is a {@code .py} file or a directory of modules ({@code module}
 * then names the entry module; for a file it is the file's own name); {@code function} is called per sample
 * (and {@code function_batch}, when defined, per batch). {@code untrusted} code runs in sandbox child processes
 * with a heap limit instead of in this JVM. {@code workers} is the number of contexts (or processes) that
 * score batches of {@code batchSize} samples in parallel; {@code cacheSize} bounds the score cache (0: none).
 */
public record PythonRewardSpec(
        Path code, Optional<String> module, String function, boolean untrusted, SandboxLimits limits,
        int batchSize, int workers, long cacheSize) {

    public PythonRewardSpec {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(limits, "limits");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        if (cacheSize < 0) throw new IllegalArgumentException("cache size must be >= 0, got " + cacheSize);
    }

    /** Defaults: batches of 64, one worker per core in process (half the cores, at least one, for processes). */
    public static PythonRewardSpec of(Path code, String function, boolean untrusted) {
        return new PythonRewardSpec(code, Optional.empty(), function, untrusted, SandboxLimits.DEFAULT, 64,
                defaultWorkers(untrusted), 100_000);
    }

    /** Each sandbox process is a JVM of a few hundred MB, so fewer of them than cores. */
    public static int defaultWorkers(boolean untrusted) {
        int cores = Runtime.getRuntime().availableProcessors();
        return untrusted ? Math.max(1, Math.min(4, cores / 2)) : cores;
    }

    public PythonRewardSpec withLimits(SandboxLimits value) {
        return new PythonRewardSpec(code, module, function, untrusted, value, batchSize, workers, cacheSize);
    }

    public PythonRewardSpec withWorkers(int value) {
        return new PythonRewardSpec(code, module, function, untrusted, limits, batchSize, value, cacheSize);
    }

    public PythonRewardSpec withBatchSize(int value) {
        return new PythonRewardSpec(code, module, function, untrusted, limits, value, workers, cacheSize);
    }
}
