package io.autodidact.engine;

/**
 * One training row: prompt and completion tokens together; loss is taken on the completion only.
 *
 * @param tokens prompt followed by completion
 * @param completionStart index of the first completion token (the prompt length); must be >= 1
 * @param weight multiplies this sequence's loss (1 for plain SFT; an advantage or importance weight otherwise)
 * @param tokenWeights per completion token weights (length = tokens.length - completionStart), or empty for none
 */
public record TrainSequence(int[] tokens, int completionStart, float weight, float[] tokenWeights) {
    public TrainSequence {
        if (completionStart < 1 || completionStart >= tokens.length)
            throw new IllegalArgumentException("completion_start must be in [1, " + (tokens.length - 1)
                    + "] so that the row has a prompt and a completion, got " + completionStart);
        if (!Float.isFinite(weight)) throw new IllegalArgumentException("weight must be finite, got " + weight);
        if (tokenWeights.length != 0 && tokenWeights.length != tokens.length - completionStart)
            throw new IllegalArgumentException("token_weights has " + tokenWeights.length
                    + " entries but the completion has " + (tokens.length - completionStart) + " tokens");
    }

    public TrainSequence(int[] tokens, int completionStart) {
        this(tokens, completionStart, 1f, new float[0]);
    }

    public int completionLength() {
        return tokens.length - completionStart;
    }
}
