package io.autodidact.engine.djl.kernels;

import io.autodidact.engine.Objective;

/** Computes an objective's loss on one micro-batch, in the caller's NDScope and grad mode. */
public interface LossKernel {
    KernelResult loss(KernelBatch batch, Objective objective);
}
