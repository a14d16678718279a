package io.autodidact.engine;

import java.util.List;

/**
 * How to sample completions. {@code temperature == 0} is greedy decoding; {@code topK == 0} and
 * {@code topP == 1} disable those filters.
 */
public record SamplingParams(
        int n, double temperature, double topP, int topK, int maxNewTokens, List<String> stop, long seed) {

    public SamplingParams {
        if (n < 1) throw new IllegalArgumentException("n (samples per prompt) must be >= 1, got " + n);
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0 (0 disables it), got " + topK);
        if (maxNewTokens <= 0)
            throw new IllegalArgumentException("max_new_tokens must be > 0, got " + maxNewTokens);
        stop = List.copyOf(stop);
    }

    public static SamplingParams greedy(int maxNewTokens) {
        return new SamplingParams(1, 0, 1, 0, maxNewTokens, List.of(), 0);
    }

    public static SamplingParams sample(int n, double temperature, int maxNewTokens, long seed) {
        return new SamplingParams(n, temperature, 1, 0, maxNewTokens, List.of(), seed);
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
