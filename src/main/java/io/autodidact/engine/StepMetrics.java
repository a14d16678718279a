package io.autodidact.engine;

import java.util.Map;

/**
 * What one optimizer step did: the loss before the update, the gradient norm before clipping, and the
 * kernel's monitors (e.g. clip_fraction, ratio, kl, entropy for a policy-gradient objective; empty for SFT).
 */
public record StepMetrics(double loss, double gradNorm, double learningRate, int tokens, Map<String, Double> monitors) {
    public StepMetrics {
        monitors = Map.copyOf(monitors);
    }

    public StepMetrics(double loss, double gradNorm, double learningRate, int tokens) {
        this(loss, gradNorm, learningRate, tokens, Map.of());
    }
}
