package io.autodidact.recipe;

import io.autodidact.engine.SamplingParams;

/**
 * How most recipes sample in GENERATE: K completions per problem at one temperature, the options {@code samples} and
 * {@code temperature} ({@link RecipeOptions#sampling}).
 */
public record Sampling(int samples, double temperature) {
    public Sampling {
        if (samples < 1) throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
    }

    /** The sampling of one GENERATE call. */
    public SamplingParams params(int maxNewTokens, long seed) {
        return SamplingParams.sample(samples, temperature, maxNewTokens, seed);
    }
}
