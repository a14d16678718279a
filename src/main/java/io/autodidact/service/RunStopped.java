package io.autodidact.service;

/** Thrown from inside a run's progress callback to stop it where it stands (pause or cancel); its files stay resumable. */
final class RunStopped extends RuntimeException {
    final RunStatus status;

    RunStopped(RunStatus status) {
        super("run " + status.label(), null, false, false);
        this.status = status;
    }
}
