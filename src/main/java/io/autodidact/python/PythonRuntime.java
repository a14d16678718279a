package io.autodidact.python;

import java.util.Objects;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.SandboxPolicy;

/**
 * The one GraalPy {@link Engine} of a process. Contexts made from a shared engine share parsed code and
 * compiled methods, so the first context costs seconds and later ones a fraction of that. The engine runs
 * under {@link SandboxPolicy#CONSTRAINED}, the strictest policy GraalPy community builds (see
 * {@code SANDBOX.md}); every context made from it must use the same policy.
 *
 * <p>Whether GraalPy runs optimised depends on the JVM: with the Graal compiler on the upgrade module path
 * and JVMCI enabled ({@code -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI
 * --upgrade-module-path=target/graal-compiler}, which the launcher adds), Truffle compiles hot Python;
 * without them it falls back to the interpreter, which is correct but several times slower.
 */
public final class PythonRuntime implements AutoCloseable {
    private static PythonRuntime shared;

    private final Engine engine;

    public PythonRuntime() {
        this.engine = Engine.newBuilder("python")
                .sandbox(SandboxPolicy.CONSTRAINED)
                // CONSTRAINED refuses the process's own streams; engine warnings still reach stderr through a wrapper.
                .out(java.io.OutputStream.nullOutputStream())
                .err(new java.io.FilterOutputStream(System.err))
                .build();
    }

    /**
     * The process-wide runtime, created on first use. An engine is a costly, thread-safe resource (like a
     * thread pool), so one per JVM is the intended use; it lives until the JVM exits.
     */
    public static synchronized PythonRuntime shared() {
        if (shared == null) shared = new PythonRuntime();
        return shared;
    }

    Engine engine() {
        return engine;
    }

    /** True when Truffle compiles Python to machine code (JVMCI + Graal compiler), false when interpreting. */
    public boolean optimizing() {
        return !engine.getImplementationName().toLowerCase(java.util.Locale.ROOT).contains("interpreted");
    }

    /** E.g. {@code GraalPy (Python 3.11.7, optimizing: GraalVM CE)}, for logs and benchmark output. */
    public String description() {
        return "GraalPy (Python " + engine.getLanguages().get("python").getVersion() + ", " + (optimizing()
                ? "optimizing: " + engine.getImplementationName()
                : "interpreted: start the JVM with the Graal compiler (JVMCI) to optimise") + ")";
    }

    @Override
    public void close() {
        Objects.requireNonNull(engine).close();
    }
}
