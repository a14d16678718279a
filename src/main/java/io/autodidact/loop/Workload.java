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

    /**
     * The final answer a completion states, normalized so that equal answers give equal strings (the form of
     * {@link Problem#answer()}): what label-free recipes vote on. Empty when the completion states none, or when the
     * workload has no way to tell (dataset tasks).
     */
    default Optional<String> answerOf(String completion) {
        return Optional.empty();
    }

    /** Characters a character-level tokenizer must cover, or empty when the model brings its own tokenizer. */
    String alphabet();
}
