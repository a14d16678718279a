package io.autodidact.engine.djl.kernels;

import io.autodidact.engine.Objective;
import io.autodidact.python.PythonRuntime;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernels an engine computes losses with: Java ones always at hand, Python ones (GraalPy contexts) made on
 * first use. Shared between an engine and its forks (reference counted), so a fork does not pay for a new context.
 */
public final class Kernels implements AutoCloseable {
    private final JavaKernels java = new JavaKernels();
    private final AtomicInteger references = new AtomicInteger(1);
    private PythonKernel python;

    /** The loss of {@code objective} on one micro-batch, by the kernel it names. */
    public KernelResult loss(KernelBatch batch, Objective objective) {
        return objective.kernel().isJava() ? java.loss(batch, objective) : python().loss(batch, objective);
    }

    /** Loads the objective's kernel now (a Python context takes seconds), outside any training step. */
    public void prepare(Objective objective) {
        if (!objective.kernel().isJava()) python().prepare(objective);
    }

    private synchronized PythonKernel python() {
        if (python == null) python = new PythonKernel(PythonRuntime.shared());
        return python;
    }

    /** One more owner (an engine fork); each owner calls {@link #close()} once. */
    public Kernels retain() {
        references.incrementAndGet();
        return this;
    }

    @Override
    public synchronized void close() {
        if (references.decrementAndGet() == 0 && python != null) {
            python.close();
            python = null;
        }
    }
}
