package io.autodidact.engine;

/**
 * One training row: prompt and completion tokens together; loss is taken on the completion only.
 *
 * @param tokens prompt followed by completion
 * @param completionStart index of the first completion token (the prompt length); must be >= 1
 * @param weight multiplies this sequence's loss (1 for plain SFT; the advantage for policy-gradient objectives)
 * @param tokenWeights per completion token weights (length = tokens.length - completionStart), or empty for none
 * @param oldLogprobs per completion token log-probabilities under the policy that sampled it, or empty
 * @param refLogprobs per completion token log-probabilities under the reference policy (for a KL term), or empty
 * @param offPolicy sampled under another context than the one it trains under (Guide's hinted samples: old log-probabilities
 *     from the hinted prompt, tokens with the plain one); a policy-gradient kernel shapes its ratio instead of clipping it
 * @param klWeight multiplies the objective's {@code kl_coef} on this row (1 for most recipes; SCoRe holds its first
 *     attempt closer to the reference than its second); must be finite and >= 0
 */
public record TrainSequence(int[] tokens, int completionStart, float weight, float[] tokenWeights, float[] oldLogprobs, float[] refLogprobs,
                            boolean offPolicy, float klWeight) {
    public TrainSequence {
        if (completionStart < 1 || completionStart >= tokens.length)
            throw new IllegalArgumentException("completion_start must be in [1, " + (tokens.length - 1)
                    + "] so that the row has a prompt and a completion, got " + completionStart);
        if (!Float.isFinite(weight)) throw new IllegalArgumentException("weight must be finite, got " + weight);
        int n = tokens.length - completionStart;
        check("token_weights", tokenWeights, n);
        check("old_logprobs", oldLogprobs, n);
        check("ref_logprobs", refLogprobs, n);
        if (!(Float.isFinite(klWeight) && klWeight >= 0)) throw new IllegalArgumentException("kl_weight must be finite and >= 0, got " + klWeight);
    }

    public TrainSequence(int[] tokens, int completionStart, float weight, float[] tokenWeights, float[] oldLogprobs, float[] refLogprobs,
                         boolean offPolicy) {
        this(tokens, completionStart, weight, tokenWeights, oldLogprobs, refLogprobs, offPolicy, 1f);
    }

    private static void check(String name, float[] values, int completion) {
        if (values.length != 0 && values.length != completion)
            throw new IllegalArgumentException(name + " has " + values.length + " entries but the completion has " + completion + " tokens");
    }

    /** An on-policy row. */
    public TrainSequence(int[] tokens, int completionStart, float weight, float[] tokenWeights, float[] oldLogprobs, float[] refLogprobs) {
        this(tokens, completionStart, weight, tokenWeights, oldLogprobs, refLogprobs, false);
    }

    public TrainSequence(int[] tokens, int completionStart, float weight, float[] tokenWeights) {
        this(tokens, completionStart, weight, tokenWeights, new float[0], new float[0]);
    }

    public TrainSequence(int[] tokens, int completionStart) {
        this(tokens, completionStart, 1f, new float[0]);
    }

    /** This row with the sampling policy's log-probabilities of its completion tokens. */
    public TrainSequence withOldLogprobs(float[] values) {
        return new TrainSequence(tokens, completionStart, weight, tokenWeights, values, refLogprobs, offPolicy, klWeight);
    }

    /** This row with the reference policy's log-probabilities of its completion tokens. */
    public TrainSequence withRefLogprobs(float[] values) {
        return new TrainSequence(tokens, completionStart, weight, tokenWeights, oldLogprobs, values, offPolicy, klWeight);
    }

    /** This row marked as sampled off-policy (see {@code offPolicy}). */
    public TrainSequence asOffPolicy() {
        return new TrainSequence(tokens, completionStart, weight, tokenWeights, oldLogprobs, refLogprobs, true, klWeight);
    }

    /** This row with its own multiplier of the objective's KL coefficient. */
    public TrainSequence withKlWeight(float value) {
        return new TrainSequence(tokens, completionStart, weight, tokenWeights, oldLogprobs, refLogprobs, offPolicy, value);
    }

    public int completionLength() {
        return tokens.length - completionStart;
    }
}
