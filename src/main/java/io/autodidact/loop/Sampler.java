package io.autodidact.loop;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.List;

/**
 * How a recipe draws one GENERATE part's samples when plain sampling is not enough: hints after a failed group,
 * second attempts, continuing a failed answer, a tree search. The loop journals and stores what it returns exactly
 * as it does plain samples, so a sampler keeps nothing only in memory: a part redone after a crash is sampled again
 * from the same seed.
 */
public interface Sampler {

    /**
     * Every rollout of the part, keyed uniquely by (problem id, sample index). Rollouts carry the prompt tokens they
     * train under and the behaviour policy's log-probabilities of their completion tokens.
     */
    List<Rollout> sample(Context context);

    /** What the loop gives a sampler for one part. */
    interface Context {
        int iteration();

        int part();

        /** The part's problems, in order. */
        List<Problem> problems();

        /** Their prompts, tokenized, in the same order. */
        List<int[]> prompts();

        /** The recipe's sampling for this iteration, seeded for this part. */
        SamplingParams params();

        /** The policy GENERATE samples from (not to be trained or closed). */
        PolicyEngine policy();

        /** The task: its reward, hints and answers. */
        Workload workload();

        /** The part sampled as a recipe without a sampler would: {@code params().n()} samples per problem, indices 0..n-1. */
        List<Rollout> plain();

        /** The task's reward on these samples (a sampler that verifies while it samples, as rationalization does). */
        default List<Score> score(List<Sample> samples) {
            return workload().reward().score(samples);
        }
    }
}
