package io.autodidact.loop;

import io.autodidact.engine.Objective;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One self-training algorithm: how to sample, which scored samples to keep (and with what weight),
 * and how to train on them. The {@link LoopRunner} owns everything else: stages, durability, resume.
 */
public interface Recipe {
    String name();

    /** Sampling for the GENERATE stage of an iteration. */
    SamplingParams sampling(int iteration, int maxNewTokens, long seed);

    /**
     * Marks which scored rollouts to train on (and sets their advantage/weight). Must return every
     * rollout given, in order, so the stored set stays complete.
     */
    List<Rollout> select(int iteration, List<Rollout> scored);

    /**
     * SELECT with the current policy at hand (the one this iteration trains from), for recipes whose selection asks
     * the model itself, such as self-certainty; also returns the recipe's own monitors for the iteration. The default
     * ignores the policy and reports nothing.
     */
    default Selection select(int iteration, List<Rollout> scored, PolicyEngine policy) {
        return new Selection(select(iteration, scored), Map.of());
    }

    /**
     * What SELECT produced.
     *
     * @param rollouts every rollout given, in order, marked (see {@link #select(int, List)})
     * @param monitors the recipe's own per-iteration numbers, logged as {@code select_<name>} in the metrics
     */
    record Selection(List<Rollout> rollouts, Map<String, Double> monitors) {
        public Selection {
            rollouts = List.copyOf(rollouts);
            monitors = Map.copyOf(monitors);
        }
    }

    /** How to train on the selection. */
    TrainPlan trainPlan(int iteration);

    /**
     * Samples drawn, with the answer given as a hint, for each problem none of whose samples was correct (STaR's
     * rationalization); they are stored with the hint-free prompt and the hint in their own column. 0 = off.
     */
    default int rationalizationSamples() {
        return 0;
    }

    /** The recipe's resolved options, for run.yaml and the API. */
    Map<String, Object> options();

    /**
     * @param steps optimizer steps this iteration
     * @param schedule learning-rate schedule over the iteration's steps
     * @param demonstrationMix fraction of each batch drawn from the demonstrations (keeps the format alive)
     * @param restartFromBase train from the base policy each iteration (ReST-EM) or continue (STaR variants)
     * @param objective the loss (SFT, or the clipped policy gradient on advantages and old log-probabilities) and its kernel
     * @param epochs 0: {@code steps} batches drawn with replacement; n > 0: n passes over the selection in shuffled
     *     minibatches of {@code batchSize} (online RL), {@code steps} ignored
     */
    record TrainPlan(int steps, int batchSize, double lr, int warmupSteps, LrSchedule.Kind schedule, double demonstrationMix, boolean restartFromBase,
                     Objective objective, int epochs) {
        public TrainPlan {
            if (steps < 0) throw new IllegalArgumentException("train steps must be >= 0, got " + steps);
            if (batchSize < 1) throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
            if (!(demonstrationMix >= 0 && demonstrationMix < 1))
                throw new IllegalArgumentException("demonstration_mix must be in [0, 1), got " + demonstrationMix);
            Objects.requireNonNull(objective, "objective");
            if (epochs < 0) throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
            if (objective.needsOldLogprobs() && demonstrationMix > 0)
                throw new IllegalArgumentException("demonstration_mix must be 0 for a policy-gradient objective: demonstrations have no sampling log-probabilities");
        }

        /** SFT on {@code steps} batches drawn with replacement from the selection (and demonstrations). */
        public TrainPlan(int steps, int batchSize, double lr, int warmupSteps, LrSchedule.Kind schedule, double demonstrationMix, boolean restartFromBase) {
            this(steps, batchSize, lr, warmupSteps, schedule, demonstrationMix, restartFromBase, Objective.sft(), 0);
        }

        /** Whether TRAIN makes {@link #epochs} passes over the selection in shuffled minibatches instead of {@link #steps} sampled batches. */
        public boolean byEpochs() {
            return epochs > 0;
        }
    }
}
