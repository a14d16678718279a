package io.autodidact.engine.djl;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.Platform;

/**
 * Loads libtorch with its OpenMP threads set to sleep, not spin, between parallel regions
 * ({@code OMP_WAIT_POLICY=PASSIVE}, unless the environment already names a policy).
 *
 * <p>Why: a decode step runs a few hundred short parallel regions (one per matmul). With libgomp's default
 * policy the idle thread spins after each one; when the cores are shared with other processes the spinning
 * thread takes the core the busy one needs, and each region then waits a scheduler slice for its partner.
 * On a loaded 2-core machine that made generation of a 30-layer model 10-15 times slower than with passive
 * waiting (docs/benchmarks.md, "bench model"). Passive waiting costs a futex wake per region instead, which is
 * small beside a matmul. libgomp reads the variable once, when libtorch is loaded, so it is set in this process's
 * environment before that: call {@link #engine()} rather than {@code Engine.getInstance()} the first time.
 */
public final class LibTorch {
    static final String WAIT_POLICY = "OMP_WAIT_POLICY";
    private static final Engine ENGINE = load();

    private LibTorch() {}

    /** The DJL engine, libtorch loaded with the wait policy above on first use. */
    public static Engine engine() {
        return ENGINE;
    }

    private static Engine load() {
        if (System.getenv(WAIT_POLICY) == null) setenv(WAIT_POLICY, "PASSIVE");
        return Engine.getInstance();
    }

    /** libc's setenv without overwriting: System.getenv is a snapshot, but libgomp reads the C environment. */
    private static void setenv(String name, String value) {
        // Through JNA (DJL's own dependency): the FFM API is not final in Java 21, the oldest JDK we support.
        int rc = Function.getFunction(Platform.C_LIBRARY_NAME, "setenv").invokeInt(new Object[] {name, value, 0});
        if (rc != 0) throw new IllegalStateException("setenv(" + name + ") failed with " + rc);
    }
}
