package io.autodidact.run;

import java.util.concurrent.CancellationException;

/**
 * The thread on which PLAN and GENERATE run ahead of training ({@code generate.max_staleness: N}, N ≥ 1), iteration after
 * iteration, while the run's own thread scores, selects, trains and evaluates. Iteration {@code k} starts once a policy at
 * most N versions older than {@code k - 1} is trained ({@code trained ≥ k - 1 - N}) and takes the newest one trained at
 * that moment; a curriculum's PLAN reads the previous iteration's scored rollouts, so then it also waits for that
 * iteration's SELECT. Counters start from the journal, so a resumed run keeps the bound as well.
 *
 * <p>The generator's failure (a crash, a pause or cancel raised from a progress callback) reaches the run at
 * {@link #awaitGenerated}, so the run stops exactly as if GENERATE had failed in line; the run's own failure stops the
 * generator at its next part ({@link #stopping}) and wins.
 */
final class AheadGeneration {
    /** Generates iteration {@code iteration} (PLAN included) from the checkpoint of {@code policy}. */
    interface Work extends AutoCloseable {
        void generate(int iteration, int policy);

        /** Releases what the work held (its copy of the policy); called once on the generator's thread when it ends. */
        @Override
        void close();
    }

    private final int maxStaleness;
    private final boolean planAfterSelect;
    private final Thread thread;
    private final Object lock = new Object();
    private int trained, selected, generated; // guarded by lock
    private Throwable failure; // guarded by lock
    private volatile boolean stopping;

    private AheadGeneration(int first, int last, int maxStaleness, boolean planAfterSelect, int trained, int selected, Work work) {
        this.maxStaleness = maxStaleness;
        this.planAfterSelect = planAfterSelect;
        this.trained = trained;
        this.selected = selected;
        this.generated = first - 1;
        thread = Thread.ofPlatform().name("generate-ahead").daemon().unstarted(() -> {
            try (work) {
                for (int k = first; k <= last; k++) {
                    work.generate(k, awaitPolicy(k));
                    synchronized (lock) {
                        generated = k;
                        lock.notifyAll();
                    }
                }
            } catch (Throwable t) {
                synchronized (lock) {
                    failure = t;
                    lock.notifyAll();
                }
            }
        });
    }

    /**
     * Starts generating iterations {@code first..last}; {@code trained} is the newest trained checkpoint, {@code selected}
     * the newest iteration whose SELECT is done.
     */
    static AheadGeneration start(int first, int last, int maxStaleness, boolean planAfterSelect, int trained, int selected, Work work) {
        if (maxStaleness < 1) throw new IllegalArgumentException("generation ahead needs max_staleness >= 1, got " + maxStaleness);
        AheadGeneration a = new AheadGeneration(first, last, maxStaleness, planAfterSelect, trained, selected, work);
        a.thread.start();
        return a;
    }

    /** The policy version iteration {@code k} generates from: the newest trained, once it is within the bound. */
    private int awaitPolicy(int k) {
        synchronized (lock) {
            while (!stopping && (trained < k - 1 - maxStaleness || planAfterSelect && selected < k - 1)) awaitSignal();
            if (stopping) throw new CancellationException("generation ahead stopped before iteration " + k);
            return trained;
        }
    }

    /** True once the run has stopped: the generator ends at its next part instead of generating for nobody. */
    boolean stopping() {
        return stopping;
    }

    /** Iteration {@code iteration}'s checkpoint is complete. */
    void trained(int iteration) {
        synchronized (lock) {
            trained = Math.max(trained, iteration);
            lock.notifyAll();
        }
    }

    /** Iteration {@code iteration}'s SELECT is journaled: its rollouts are final. */
    void selected(int iteration) {
        synchronized (lock) {
            selected = Math.max(selected, iteration);
            lock.notifyAll();
        }
    }

    /** Waits until iteration {@code iteration} is generated (its PLAN and GENERATE journaled); rethrows the generator's failure as it was thrown. */
    void awaitGenerated(int iteration) {
        synchronized (lock) {
            while (generated < iteration && failure == null) awaitSignal();
            if (generated >= iteration) return;
            Throwable t = failure;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException("generation ahead failed: " + t, t);
        }
    }

    /** Stops the generator and waits for it; its failure, if any, is dropped: the run has finished or failed for its own reason. */
    void stop() {
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void awaitSignal() {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            // The generator is stopped through stopping, never interrupted (an interrupt would close the files it writes).
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for generation ahead");
        }
    }
}
