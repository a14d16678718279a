package io.autodidact.loop;

import io.autodidact.reward.Reward;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * What a run works on: training problems, fixed held-out sets, demonstrations for the base policy,
 * and the reward that checks completions. Built-in tasks and user datasets both arrive through this.
 */
public interface Workload {
    /** Problems for one iteration, deterministic in (iteration, seed). */
    List<Problem> problems(int iteration, long seed);

    /** Held-out evaluation sets by name (e.g. difficulty "4"), in display order. Never trained on. */
    SequencedMap<String, List<Problem>> evalSets();

    /** Labelled demonstrations for bootstrapping; empty when the run has none. */
    List<Demonstration> demonstrations();

    Reward reward();

    /** How to read the final answer of a completion, when the task knows (label-free recipes vote on it). */
    default Optional<AnswerReader> answers() {
        return Optional.empty();
    }

    /** Characters a character-level tokenizer must cover, or empty when the model brings its own tokenizer. */
    String alphabet();

    /** Whether {@link #hintedPrompt} can give hints (STaR rationalization needs them). */
    default boolean supportsHints() {
        return false;
    }

    /** The problem's prompt with its answer given as a hint, or empty (no hint format, or no answer). */
    default Optional<String> hintedPrompt(Problem problem) {
        return Optional.empty();
    }

    /** The task's plausible wrong solutions, when it can make them (recipes that teach correcting show them). */
    default Optional<Mistakes> mistakes() {
        return Optional.empty();
    }

    /** Demonstrations whose prompts carry the hint, trained on with the others when a recipe rationalizes. */
    default List<Demonstration> hintedDemonstrations() {
        return List.of();
    }
}
