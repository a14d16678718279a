package io.autodidact.task;

import io.autodidact.loop.Mistakes;
import io.autodidact.loop.Problem;
import io.autodidact.reward.Reward;
import java.util.List;
import java.util.Optional;

/**
 * A task that ships with Autodidact: it generates its own problems, held-out evaluation sets and labelled
 * seed examples, and knows how to verify answers, so a demo or benchmark needs no dataset files.
 * Obtained by name from {@link Tasks#named}.
 */
public interface BuiltInTask {
    String name();

    /** Every character that can appear in a prompt or completion: what a character tokenizer needs. */
    String alphabet();

    /** Difficulties run from 1 to this, inclusive. */
    int maxDifficulty();

    /**
     * Training problems with difficulty drawn uniformly from {@code minDifficulty..maxDifficulty},
     * deterministic for a seed and never in any of {@link #evalSets}.
     */
    List<Problem> problems(int count, int minDifficulty, int maxDifficulty, long seed);

    /** The fixed held-out sets, one per difficulty, {@code countPerSet} problems each; the same in every run. */
    List<EvalSet> evalSets(int countPerSet);

    /** Labelled examples for training the base policy, in the task's configured mix of difficulties. */
    List<SeedExample> seedExamples(int count, long seed);

    /** The categories its problems carry in {@link Problem#category()}: the arms a curriculum can choose among. */
    List<String> categories();

    /** Checks completions against {@link Problem#answer()}. */
    Reward verifier();

    /**
     * {@code prompt} with {@code answer} given as a hint (STaR's rationalization: the model writes a rationale for
     * an answer it is told), or empty when the task has no hint format or the answer does not fit it.
     */
    default Optional<String> hintedPrompt(String prompt, String answer) {
        return Optional.empty();
    }

    /** Plausible wrong solutions in the task's format, when the task can make them. */
    default Optional<Mistakes> mistakes() {
        return Optional.empty();
    }

    /** Labelled examples whose prompts carry the hint, so a base policy learns to use one; empty without a hint format. */
    default List<SeedExample> hintedSeedExamples(int count, long seed) {
        return List.of();
    }

    /**
     * The final answer a completion states, in the form of {@link Problem#answer()} (normalized, so two completions
     * that state the same answer give equal strings); empty when it states none. The verifier compares exactly this;
     * label-free recipes vote on it.
     */
    Optional<String> answerOf(String completion);
}
