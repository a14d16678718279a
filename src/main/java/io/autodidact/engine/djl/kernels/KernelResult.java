package io.autodidact.engine.djl.kernels;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** A kernel's scalar loss (still attached to the autograd graph) and its monitors. */
public record KernelResult(NDArray loss, Map<String, Double> monitors) {
    public KernelResult {
        monitors = Map.copyOf(monitors);
    }
}
