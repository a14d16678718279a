package io.autodidact.python;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A {@link Pool} of {@link SandboxedContext}s running one program in this JVM, sharing the runtime's engine and
 * one watchdog thread. The first context is made at construction (so a syntax error surfaces there, with its
 * line); a context that timed out or died is dropped and replaced.
 */
final class ContextPool implements PythonBackend {
    private final ScheduledExecutorService watchdog;
    private final Pool<SandboxedContext> pool;
    private final boolean batched;

    ContextPool(PythonRuntime runtime, PythonProgram program, SandboxLimits limits, int size) {
        if (size < 1) throw new IllegalArgumentException("pool size must be >= 1, got " + size);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "python-watchdog");
            t.setDaemon(true);
            return t;
        });
        try {
            this.pool = new Pool<>("Python context", size, () -> new SandboxedContext(runtime, program, limits, watchdog));
            this.batched = pool.members().getFirst().batched(); // the pool made its first member, alive, just now
        } catch (RuntimeException e) {
            watchdog.shutdownNow();
            throw e;
        }
    }

    /** Makes every context of the pool now, so that the first parallel calls do not pay for it. */
    void warm() {
        pool.fill();
    }

    /** Whether the program defines a batch function (see {@link SandboxedContext#batched()}). */
    boolean batched() {
        return batched;
    }

    @Override
    public String call(String request) {
        return pool.with(ctx -> ctx.call(request, watchdog));
    }

    @Override
    public Pool<SandboxedContext> pool() {
        return pool;
    }

    @Override
    public void close() {
        pool.close();
        watchdog.shutdownNow();
    }
}
