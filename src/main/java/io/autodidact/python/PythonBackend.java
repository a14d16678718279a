package io.autodidact.python;

/**
 * Where reward requests run: a {@link Pool} of in-process GraalPy contexts ({@link ContextPool}) or of sandbox
 * child JVMs ({@link SandboxProcessPool}). Both speak the JSON protocol of {@code autodidact/host.py}.
 */
interface PythonBackend extends AutoCloseable {
    /** Runs one request; returns the response text. Thread-safe: up to {@link #parallelism()} calls run at once. */
    String call(String request);

    /** The contexts or processes the calls run on. */
    Pool<?> pool();

    /** How many calls can run at once. */
    default int parallelism() {
        return pool().size();
    }

    /** Contexts or processes discarded after a timeout or crash and replaced since start. */
    default long replacements() {
        return pool().replacements();
    }

    @Override
    default void close() {
        pool().close();
    }
}
