package io.autodidact.loop;

import java.util.Objects;

/**
 * One sampled completion of one problem in one iteration, with its score and fate. Keyed by
 * (iteration, problemId, sampleIndex): that key is what makes resume exactly-once.
 *
 * @param error empty when scoring succeeded, otherwise what went wrong
 * @param hint  empty for an ordinary sample; otherwise the hint that was in the context when it was sampled
 *              (STaR's rationalization). {@code promptTokens} are then the hint-free prompt, the one it trains
 *              under, and {@code logprobs} are the behaviour policy's, with the hint.
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
        String error,
        String hint) {

    public Rollout {
        Objects.requireNonNull(problemId, "problemId");
        Objects.requireNonNull(hint, "hint");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(error, "error");
        if (completionTokens.length != logprobs.length)
            throw new IllegalArgumentException("rollout " + problemId + "#" + sampleIndex
                    + ": completion tokens and logprobs differ in length");
    }

    /** An ordinary sample, drawn without a hint. */
    public Rollout(int iteration, String problemId, int sampleIndex, int[] promptTokens, int[] completionTokens, float[] logprobs,
                   String text, String finishReason, double temperature, double reward, boolean correct, boolean selected,
                   double advantage, String error) {
        this(iteration, problemId, sampleIndex, promptTokens, completionTokens, logprobs, text, finishReason, temperature, reward,
                correct, selected, advantage, error, "");
    }

    /** Whether it was sampled with a hint in the context. */
    public boolean hinted() {
        return !hint.isEmpty();
    }

    public Rollout withSelected(boolean value) {
        return new Rollout(iteration, problemId, sampleIndex, promptTokens, completionTokens, logprobs, text,
                finishReason, temperature, reward, correct, value, advantage, error, hint);
    }

    public Rollout withAdvantage(double value) {
        return new Rollout(iteration, problemId, sampleIndex, promptTokens, completionTokens, logprobs, text,
                finishReason, temperature, reward, correct, selected, value, error, hint);
    }

    public Rollout withScore(double newReward, boolean newCorrect, String newError) {
        return new Rollout(iteration, problemId, sampleIndex, promptTokens, completionTokens, logprobs, text,
                finishReason, temperature, newReward, newCorrect, selected, advantage, newError, hint);
    }
}
