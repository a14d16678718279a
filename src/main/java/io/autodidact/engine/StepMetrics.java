package io.autodidact.engine;

/** What one optimizer step did: the loss before the update, the gradient norm before clipping. */
public record StepMetrics(double loss, double gradNorm, double learningRate, int tokens) {}
