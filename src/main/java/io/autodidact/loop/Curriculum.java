package io.autodidact.loop;

import java.util.List;
import java.util.Map;

/**
 * Chooses which problems an iteration works on, for any recipe (run-level {@code curriculum:} section). Before an
 * iteration the loop asks for the curriculum's {@link #state} (from the previous state and what the run did), journals
 * it, and has {@link #choose} pick the iteration's problems from a larger pool of candidates; both are deterministic
 * in their inputs, so a resume rebuilds every iteration's problems from the journal.
 */
public interface Curriculum {
    /** Candidates drawn per problem the iteration needs. */
    int poolFactor();

    /**
     * The state that chooses iteration {@code iteration}'s problems, e.g. SEC's Q value per arm; it is journaled and
     * logged with the iteration's metrics.
     *
     * @param previous the state that chose the previous iteration (empty before the first)
     */
    Map<String, Double> state(int iteration, Map<String, Double> previous, History history);

    /** At most {@code count} of the candidates, in the order they are to be generated. */
    List<Problem> choose(int iteration, List<Problem> candidates, int count, Map<String, Double> state, History history, long seed);

    /** Finished iterations of the run, as a curriculum may read them. */
    interface History {
        /** The problems iteration {@code iteration} worked on. */
        List<Problem> problems(int iteration);

        /** Iteration {@code iteration}'s rollouts, scored and selected. */
        List<Rollout> rollouts(int iteration);
    }
}
