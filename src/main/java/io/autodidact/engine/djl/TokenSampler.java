package io.autodidact.engine.djl;

import io.autodidact.engine.SamplingParams;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits on the host. Each sequence has its own random stream,
 * seeded from (request seed, prompt index, sample index), so a sample does not depend on which other
 * rows shared its batch: the same request resumed half-way reproduces the missing samples exactly.
 */
final class TokenSampler {
    private final SamplingParams params;

    TokenSampler(SamplingParams params) {
        this.params = params;
    }

    static SplittableRandom streamFor(long seed, int promptIndex, int sampleIndex) {
        long mixed = seed * 0x9E3779B97F4A7C15L + promptIndex * 0xC2B2AE3D27D4EB4FL + sampleIndex * 0x165667B19E3779F9L;
        return new SplittableRandom(mixed);
    }

    /** The log-softmax of a row at temperature 1, at index {@code token}. */
    static float logprob(float[] logits, int offset, int vocab, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
        return (float) (logits[offset + token] - max - Math.log(sum));
    }

    int sample(float[] logits, int offset, int vocab, SplittableRandom random) {
        if (params.greedy()) {
            int best = 0;
            for (int i = 1; i < vocab; i++) if (logits[offset + i] > logits[offset + best]) best = i;
            return best;
        }
        double t = params.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i] / t);
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += p[i] = Math.exp(logits[offset + i] / t - max);
        if (params.topK() > 0 && params.topK() < vocab) {
            double[] sorted = p.clone();
            Arrays.sort(sorted);
            double kth = sorted[vocab - params.topK()];
            sum = 0;
            for (int i = 0; i < vocab; i++) sum += p[i] = p[i] >= kth ? p[i] : 0;
        }
        if (params.topP() < 1) {
            Integer[] order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) order[i] = i;
            final double[] probs = p;
            Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
            double kept = 0, limit = params.topP() * sum;
            boolean[] keep = new boolean[vocab];
            for (int i : order) {
                if (kept >= limit) break;
                keep[i] = true;
                kept += p[i];
            }
            sum = 0;
            for (int i = 0; i < vocab; i++) sum += p[i] = keep[i] ? p[i] : 0;
        }
        double u = random.nextDouble() * sum, acc = 0;
        int last = 0;
        for (int i = 0; i < vocab; i++) {
            if (p[i] == 0) continue;
            acc += p[i];
            last = i;
            if (u < acc) return i;
        }
        return last;
    }
}
