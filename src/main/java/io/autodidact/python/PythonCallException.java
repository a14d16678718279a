package io.autodidact.python;

/**
 * A call into Python that produced no answer: it ran past its time limit, or its context or sandbox process
 * died. The context or process has been discarded and will be replaced; the caller scores the affected
 * samples as failed.
 */
public final class PythonCallException extends RuntimeException {
    /** Why the call failed, for metrics and for deciding whether to retry samples one by one. */
    public enum Kind { TIMEOUT, CRASH }

    private final Kind kind;

    public PythonCallException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
