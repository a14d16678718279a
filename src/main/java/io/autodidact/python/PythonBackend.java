package io.autodidact.python;

/**
 * Where reward requests run: in-process GraalPy contexts ({@link ContextPool}) or sandbox child JVMs
 * ({@link SandboxProcessPool}). Both speak the JSON protocol of {@code autodidact/host.py}.
 */
interface PythonBackend extends AutoCloseable {
    /** Runs one request; returns the response text. Thread-safe: up to {@link #parallelism()} calls run at once. */
    String call(String request);

    /** How many calls can run at once. */
    int parallelism();

    /** Contexts or processes discarded after a timeout or crash and replaced since start. */
    long replacements();

    @Override
    void close();
}
