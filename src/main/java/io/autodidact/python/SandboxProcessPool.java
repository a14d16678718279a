package io.autodidact.python;

import java.time.Duration;
import java.util.List;

/**
 * A small {@link Pool} of sandbox child JVMs for untrusted code, started on demand (the first at construction, so
 * a load error surfaces there). A process that is killed on timeout or dies (out of memory, say) is dropped and
 * a fresh one starts in the background; the service itself is never at risk.
 */
final class SandboxProcessPool implements PythonBackend {
    /** A child JVM plus GraalPy's first context takes seconds, more on busy cores. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private final Pool<SandboxProcess> pool;

    SandboxProcessPool(PythonProgram program, SandboxLimits limits, int size) {
        if (size < 1) throw new IllegalArgumentException("sandbox processes must be >= 1, got " + size);
        String setup = SandboxProtocol.setup(program, limits);
        this.pool = new Pool<>("sandbox process", size, () -> new SandboxProcess(setup, limits, START_TIMEOUT));
    }

    @Override
    public String call(String request) {
        return pool.with(p -> p.call(request));
    }

    /** Process ids of the live children, for tests that check a child was really replaced. */
    List<Long> pids() {
        return pool.members().stream().map(SandboxProcess::pid).toList();
    }

    @Override
    public Pool<SandboxProcess> pool() {
        return pool;
    }
}
