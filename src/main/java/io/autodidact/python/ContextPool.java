package io.autodidact.python;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Pool} of {@link SandboxedContext}s running one program in this JVM, sharing the runtime's engine and
 * one watchdog thread. The first context is made at construction (so a syntax error surfaces there, with its
 * line); a context that timed out or died is dropped and replaced.
 */
final class ContextPool implements PythonBackend {
    private static final AtomicInteger BEING_BUILT = new AtomicInteger();
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
            this.pool = new Pool<>("Python context", size, () -> {
                BEING_BUILT.incrementAndGet();
                try {
                    return new SandboxedContext(runtime, program, limits, watchdog);
                } finally {
                    BEING_BUILT.decrementAndGet();
                }
            });
            this.batched = pool.members().getFirst().batched(); // the pool made its first member, alive, just now
        } catch (RuntimeException e) {
            watchdog.shutdownNow();
            throw e;
        }
    }

    /** Whether a context is being made in this JVM now (a sandbox child tells its parent it is alive meanwhile). */
    static boolean building() {
        return BEING_BUILT.get() > 0;
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
