package io.autodidact.engine;

/**
 * One sampled completion of one prompt.
 *
 * @param promptIndex index of the prompt in the request
 * @param sampleIndex 0..n-1 among the samples of that prompt
 * @param tokens completion token ids (without the prompt; includes the EOS token when one ended it)
 * @param logprobs log-probability of each completion token under the sampling distribution's model
 *     (temperature 1, before top-k/top-p), same length as tokens
 */
public record Generation(
        int promptIndex, int sampleIndex, int[] tokens, float[] logprobs, String text, FinishReason finishReason) {
    public Generation {
        if (tokens.length != logprobs.length)
            throw new IllegalArgumentException("tokens and logprobs differ in length: " + tokens.length + " vs " + logprobs.length);
    }
}
