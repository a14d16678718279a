package io.autodidact.python;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The lending shared by {@link ContextPool} (GraalPy contexts) and {@link SandboxProcessPool} (child JVMs): up
 * to {@code size} members, each used by one caller at a time. The first member is made at construction, so a
 * load error surfaces there; the rest as calls need them, or all at once with {@link #fill()}. A member that
 * died during a call (timeout, crash) is closed, counted and replaced in the background, so the failed call
 * returns at once and waiting callers get the replacement.
 */
final class Pool<T extends Pool.Member> implements AutoCloseable {
    /** A pooled resource: it knows whether it is still usable and how to release itself. */
    interface Member {
        boolean dead();

        void close();
    }

    private final String what;
    private final int size;
    private final Supplier<T> factory;
    private final BlockingQueue<T> idle = new LinkedBlockingQueue<>();
    private final List<T> all = new ArrayList<>();
    private final AtomicLong replacements = new AtomicLong();
    private int live;
    private boolean closed;

    /** {@code what} names a member in errors and thread names, e.g. "sandbox process". */
    Pool(String what, int size, Supplier<T> factory) {
        if (size < 1) throw new IllegalArgumentException(what + " pool size must be >= 1, got " + size);
        this.what = what;
        this.size = size;
        this.factory = factory;
        idle.add(make());
    }

    private T make() {
        synchronized (this) {
            live++;
        }
        return makeReserved();
    }

    /** Makes one whose slot ({@code live}) the caller already counted; gives the slot back on failure. */
    private T makeReserved() {
        try {
            T member = factory.get();
            synchronized (this) {
                all.add(member);
            }
            return member;
        } catch (RuntimeException e) {
            synchronized (this) {
                live--;
            }
            throw e;
        }
    }

    /** Makes every member now, so that the first parallel calls do not pay for it. */
    void fill() {
        List<T> fresh = new ArrayList<>();
        while (true) {
            synchronized (this) {
                if (live >= size) break;
            }
            fresh.add(make());
        }
        idle.addAll(fresh);
    }

    /** Runs {@code call} on a member borrowed for its duration. */
    <R> R with(Function<T, R> call) {
        T member = borrow();
        try {
            return call.apply(member);
        } finally {
            giveBack(member);
        }
    }

    private T borrow() {
        try {
            while (true) {
                boolean grow;
                T member = idle.poll();
                if (member != null) return member;
                synchronized (this) {
                    if (closed) throw new IllegalStateException("the " + what + " pool is closed");
                    if (live < size) {
                        live++; // reserved here, so that two callers do not both grow past size
                        grow = true;
                    } else grow = false;
                }
                if (grow) return makeReserved();
                member = idle.poll(200, TimeUnit.MILLISECONDS);
                if (member != null) return member;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PythonCallException(PythonCallException.Kind.CRASH, "interrupted while waiting for a " + what);
        }
    }

    private void giveBack(T member) {
        boolean replace;
        synchronized (this) {
            if (!member.dead() && !closed) {
                idle.add(member);
                return;
            }
            replace = member.dead() && !closed;
            if (member.dead()) replacements.incrementAndGet();
            live--;
            all.remove(member);
        }
        member.close();
        if (!replace) return;
        Thread.ofPlatform().daemon().name(what.replace(' ', '-') + "-restart").start(() -> {
            try {
                T fresh = make();
                synchronized (this) {
                    if (!closed) {
                        idle.add(fresh);
                        return;
                    }
                    live--;
                    all.remove(fresh);
                }
                fresh.close();
            } catch (RuntimeException ignored) {
                // borrow() makes one itself while live < size.
            }
        });
    }

    /** The members not known to be dead. */
    synchronized List<T> members() {
        return all.stream().filter(m -> !m.dead()).toList();
    }

    int size() {
        return size;
    }

    /** Members discarded after a failed call. */
    long replacements() {
        return replacements.get();
    }

    /** Closes the idle members now and each busy one when its call returns, so that no call is cut short. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        T member;
        while ((member = idle.poll()) != null) {
            synchronized (this) {
                live--;
                all.remove(member);
            }
            member.close();
        }
    }
}
