package io.autodidact.service;

/** Where a run stands in the service. QUEUED and RUNNING runs are resumed when the service restarts. */
public enum RunStatus {
    QUEUED, RUNNING, PAUSED, CANCELLED, COMPLETED, FAILED;

    public boolean active() {
        return this == QUEUED || this == RUNNING;
    }

    public String label() {
        return name().toLowerCase();
    }
}
