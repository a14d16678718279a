package io.autodidact.python;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pool of {@link SandboxedContext}s running one program in this JVM, sharing the runtime's engine. The first
 * context is made at construction (so a syntax error surfaces there, with its line); the rest as calls need
 * them, up to {@code size}, or all at once with {@link #warm()}. A context that timed out or died is dropped
 * and a new one is made on demand.
 */
final class ContextPool implements PythonBackend {
    private final PythonRuntime runtime;
    private final PythonProgram program;
    private final SandboxLimits limits;
    private final int size;
    private final BlockingQueue<SandboxedContext> idle = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService watchdog;
    private final AtomicLong replacements = new AtomicLong();
    private int live;
    private boolean closed;

    ContextPool(PythonRuntime runtime, PythonProgram program, SandboxLimits limits, int size) {
        if (size < 1) throw new IllegalArgumentException("pool size must be >= 1, got " + size);
        this.runtime = runtime;
        this.program = program;
        this.limits = limits;
        this.size = size;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "python-watchdog");
            t.setDaemon(true);
            return t;
        });
        try {
            idle.add(create());
        } catch (RuntimeException e) {
            watchdog.shutdownNow();
            throw e;
        }
    }

    private SandboxedContext create() {
        synchronized (this) {
            live++;
        }
        return createReserved();
    }

    /** Makes one whose slot ({@code live}) the caller already counted; gives the slot back on failure. */
    private SandboxedContext createReserved() {
        try {
            return new SandboxedContext(runtime, program, limits, watchdog);
        } catch (RuntimeException e) {
            synchronized (this) {
                live--;
            }
            throw e;
        }
    }

    /** Makes every context of the pool now, so that the first parallel calls do not pay for it. */
    void warm() {
        List<SandboxedContext> made = new ArrayList<>();
        while (true) {
            synchronized (this) {
                if (live >= size) break;
            }
            made.add(create());
        }
        idle.addAll(made);
    }

    @Override
    public String call(String request) {
        SandboxedContext ctx = borrow();
        try {
            return ctx.call(request, watchdog);
        } finally {
            giveBack(ctx);
        }
    }

    private SandboxedContext borrow() {
        try {
            while (true) {
                boolean grow;
                SandboxedContext ctx = idle.poll();
                if (ctx != null) return ctx;
                synchronized (this) {
                    if (closed) throw new IllegalStateException("the Python context pool is closed");
                    if (live < size) {
                        live++; // reserved here, so that two callers do not both grow past size
                        grow = true;
                    } else grow = false;
                }
                if (grow) return createReserved();
                ctx = idle.poll(200, TimeUnit.MILLISECONDS);
                if (ctx != null) return ctx;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PythonCallException(PythonCallException.Kind.CRASH, "interrupted while waiting for a Python context");
        }
    }

    private void giveBack(SandboxedContext ctx) {
        if (!ctx.dead()) {
            synchronized (this) {
                if (!closed) {
                    idle.add(ctx);
                    return;
                }
            }
            ctx.close();
            return;
        }
        ctx.close();
        replacements.incrementAndGet();
        synchronized (this) {
            live--;
            if (closed) return;
        }
        // The next borrow() makes a replacement, since live < size now.
    }

    @Override
    public int parallelism() {
        return size;
    }

    @Override
    public long replacements() {
        return replacements.get();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        SandboxedContext ctx;
        while ((ctx = idle.poll()) != null) ctx.close();
        watchdog.shutdownNow();
    }
}
