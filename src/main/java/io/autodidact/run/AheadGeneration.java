package io.autodidact.run;

/**
 * The thread on which an iteration's PLAN and GENERATE run ahead, while the previous iteration trains
 * ({@code generate.max_staleness: 1}). Its failure (a crash, a pause or cancel raised from a progress callback) reaches
 * the run at {@link #join}, so the run stops exactly as if GENERATE had failed in line.
 */
final class AheadGeneration {
    private final Thread thread;
    private volatile Throwable failure;

    private AheadGeneration(int iteration, Runnable work) {
        thread = Thread.ofPlatform().name("generate-ahead-" + iteration).daemon().unstarted(() -> {
            try {
                work.run();
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    static AheadGeneration start(int iteration, Runnable work) {
        AheadGeneration a = new AheadGeneration(iteration, work);
        a.thread.start();
        return a;
    }

    /** Waits for the work and rethrows its failure as it was thrown. */
    void join() {
        awaitQuietly();
        Throwable t = failure;
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException("generation ahead failed: " + t, t);
    }

    /** Waits for the work and drops its failure: the run is already failing for another reason, which wins. */
    void awaitQuietly() {
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
}
