package io.autodidact.python;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits on one call into Python: {@code timeout} is the wall time after which the call's context is
 * cancelled and replaced (a child process gets the same limit plus {@link #processGrace()}, then is
 * killed); {@code maxOutputBytes} bounds what the guest may print per call; {@code processHeapMb} is the
 * {@code -Xmx} of a sandbox child process, the only memory bound there is (GraalPy has no per-context one).
 */
public record SandboxLimits(Duration timeout, long maxOutputBytes, int processHeapMb) {
    public static final SandboxLimits DEFAULT = new SandboxLimits(Duration.ofSeconds(5), 1 << 20, 512);

    public SandboxLimits {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 10) throw new IllegalArgumentException("timeout must be at least 10 ms, got " + timeout.toMillis() + " ms");
        if (maxOutputBytes < 0) throw new IllegalArgumentException("maxOutputBytes must be >= 0, got " + maxOutputBytes);
        if (processHeapMb < 128) throw new IllegalArgumentException("processHeapMb must be at least 128 (GraalPy needs it), got " + processHeapMb);
    }

    public SandboxLimits withTimeout(Duration value) {
        return new SandboxLimits(value, maxOutputBytes, processHeapMb);
    }

    /**
     * How long past {@link #timeout} a child process may stay silent before it is killed: its own watchdog
     * normally answers first; only code the in-process watchdog cannot stop (long built-ins such as
     * {@code 10**(10**8)}, a heap exhausted) reaches this.
     */
    public Duration processGrace() {
        // The child's own watchdog fires at the time limit and then replaces its context; on busy cores that
        // takes seconds, and killing the whole process for it would turn a timeout into a restart.
        return timeout.plus(timeout.compareTo(Duration.ofSeconds(5)) > 0 ? timeout : Duration.ofSeconds(5));
    }
}
