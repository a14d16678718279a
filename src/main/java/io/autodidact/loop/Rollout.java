package io.autodidact.loop;

import java.util.Objects;

/**
 * One sampled completion of one problem in one iteration, with its score and fate. Keyed by
 * (iteration, problemId, sampleIndex): that key is what makes resume exactly-once.
 *
 * @param error empty when scoring succeeded, otherwise what went wrong
 */
public record Rollout(
        int iteration,
        String problemId,
        int sampleIndex,
        int[] promptTokens,
        int[] completionTokens,
        float[] logprobs,
        String text,
        String finishReason,
        double temperature,
        double reward,
        boolean correct,
        boolean selected,
        double advantage,
        String error) {

    public Rollout {
        Objects.requireNonNull(problemId, "problemId");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(error, "error");
        if (completionTokens.length != logprobs.length)
            throw new IllegalArgumentException("rollout " + problemId + "#" + sampleIndex
                    + ": completion tokens and logprobs differ in length");
    }

    public Rollout withSelected(boolean value) {
        return new Rollout(iteration, problemId, sampleIndex, promptTokens, completionTokens, logprobs, text,
                finishReason, temperature, reward, correct, value, advantage, error);
    }

    public Rollout withAdvantage(double value) {
        return new Rollout(iteration, problemId, sampleIndex, promptTokens, completionTokens, logprobs, text,
                finishReason, temperature, reward, correct, selected, value, error);
    }

    public Rollout withScore(double newReward, boolean newCorrect, String newError) {
        return new Rollout(iteration, problemId, sampleIndex, promptTokens, completionTokens, logprobs, text,
                finishReason, temperature, newReward, newCorrect, selected, advantage, newError);
    }
}
