package io.autodidact.python;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small pool of sandbox child JVMs for untrusted code, started on demand (the first at construction, so a
 * load error surfaces there). A process that is killed on timeout or dies (out of memory, say) is dropped and
 * a fresh one starts at the next call; the service itself is never at risk.
 */
final class SandboxProcessPool implements PythonBackend {
    /** A child JVM plus GraalPy's first context takes seconds, more on busy cores. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final String setup;
    private final SandboxLimits limits;
    private final int size;
    private final BlockingQueue<SandboxProcess> idle = new LinkedBlockingQueue<>();
    private final List<SandboxProcess> all = new ArrayList<>();
    private final AtomicLong replacements = new AtomicLong();
    private final AtomicLong starts = new AtomicLong();
    private int live;
    private boolean closed;

    SandboxProcessPool(PythonProgram program, SandboxLimits limits, int size) {
        if (size < 1) throw new IllegalArgumentException("sandbox processes must be >= 1, got " + size);
        this.setup = SandboxProtocol.setup(program, limits);
        this.limits = limits;
        this.size = size;
        idle.add(start());
    }

    private SandboxProcess start() {
        synchronized (this) {
            live++;
        }
        return startReserved();
    }

    /** Makes one whose slot ({@code live}) the caller already counted; gives the slot back on failure. */
    private SandboxProcess startReserved() {
        try {
            SandboxProcess p = new SandboxProcess(setup, limits, START_TIMEOUT);
            starts.incrementAndGet();
            synchronized (this) {
                all.add(p);
            }
            return p;
        } catch (RuntimeException e) {
            synchronized (this) {
                live--;
            }
            throw e;
        }
    }

    @Override
    public String call(String request) {
        SandboxProcess p = borrow();
        try {
            return p.call(request);
        } finally {
            giveBack(p);
        }
    }

    private SandboxProcess borrow() {
        try {
            while (true) {
                boolean grow;
                SandboxProcess p = idle.poll();
                if (p != null) return p;
                synchronized (this) {
                    if (closed) throw new IllegalStateException("the sandbox process pool is closed");
                    if (live < size) {
                        live++; // reserved here, so that two callers do not both grow past size
                        grow = true;
                    } else grow = false;
                }
                if (grow) return startReserved();
                p = idle.poll(200, TimeUnit.MILLISECONDS);
                if (p != null) return p;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PythonCallException(PythonCallException.Kind.CRASH, "interrupted while waiting for a sandbox process");
        }
    }

    private void giveBack(SandboxProcess p) {
        boolean replace;
        synchronized (this) {
            if (!p.dead() && !closed) {
                idle.add(p);
                return;
            }
            replace = p.dead() && !closed;
            if (p.dead()) {
                replacements.incrementAndGet();
                live--;
                all.remove(p);
            }
        }
        p.close();
        if (!replace) return;
        // Restart in the background: the caller's failed call returns now; callers waiting in borrow() get
        // the new process when it is ready, or start one themselves if this start fails.
        Thread.ofPlatform().daemon().name("sandbox-restart").start(() -> {
            try {
                SandboxProcess fresh = start();
                synchronized (this) {
                    if (!closed) {
                        idle.add(fresh);
                        return;
                    }
                }
                fresh.close();
            } catch (RuntimeException ignored) {
                // borrow() starts one itself while live < size.
            }
        });
    }

    /** Process ids of the live children, for tests that check a child was really replaced. */
    synchronized List<Long> pids() {
        return all.stream().filter(p -> !p.dead()).map(SandboxProcess::pid).toList();
    }

    /** Child processes started since construction, replacements included. */
    long starts() {
        return starts.get();
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
        List<SandboxProcess> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(all);
            all.clear();
        }
        for (SandboxProcess p : toClose) p.close();
    }
}
