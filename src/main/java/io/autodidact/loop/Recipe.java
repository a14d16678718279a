package io.autodidact.loop;

import io.autodidact.engine.Objective;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.reward.Reward;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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

    /**
     * How GENERATE samples a part, for recipes that change how samples are produced (hints, second attempts, search);
     * empty: {@code sampling(...).n()} plain samples per problem (plus rationalization, when asked for).
     */
    default Optional<Sampler> sampler() {
        return Optional.empty();
    }

    /**
     * The multiplier of the objective's {@code kl_coef} on this rollout's training row: 1 for most recipes; SCoRe's
     * stage I holds its first attempts closer to the reference policy than its second.
     */
    default float klWeight(int iteration, Rollout rollout) {
        return 1f;
    }

    /**
     * Demonstrations of the recipe's own format that the base policy learns at BOOTSTRAP besides the task's (SCoRe:
     * second attempts after a review cue); empty for most recipes. {@code mistakes} are the task's plausible wrong
     * solutions, when it has them.
     */
    default List<Demonstration> demonstrations(List<Demonstration> task, Optional<Mistakes> mistakes) {
        return List.of();
    }

    /**
     * This recipe bound to the run it serves: the run's directory, where it may keep state of its own that a resume must
     * find (ReST-MCTS*'s process reward model and its training data), and the factory to load such models. The loop calls
     * it once; the default needs neither and returns itself.
     */
    default Recipe inRun(java.nio.file.Path runDirectory, io.autodidact.engine.EngineFactory engines) {
        return this;
    }

    /** The recipe's resolved options, for run.yaml and the API. */
    Map<String, Object> options();

    /**
     * Before an iteration generates (the PLAN stage): the controls the recipe picks for it, e.g. B-STaR's temperature
     * and reward threshold. The loop journals them, logs them with the iteration's metrics, and runs the iteration with
     * {@link #configured} of them, also after a resume, so a recipe keeps no decision only in memory. Empty: none.
     */
    default Map<String, Double> plan(Planning planning) {
        return Map.of();
    }

    /** This recipe with an iteration's controls from {@link #plan} applied (they may be empty). */
    default Recipe configured(Map<String, Double> controls) {
        return this;
    }

    /**
     * A reward that replaces the task's, for recipes that make their own labels (self-consistency). The loop gives it
     * the samples with their problems' answers removed, so it cannot read them; the task's reward then scores the
     * same samples only to monitor the recipe's labels, when the problems have answers. Empty: the task's reward.
     *
     * @param taskAnswers the task's way to read a completion's final answer, when it has one
     * @throws IllegalArgumentException (a config error naming the option) when the recipe cannot score this task
     */
    default Optional<Reward> ownReward(Optional<AnswerReader> taskAnswers) {
        return Optional.empty();
    }

    /** The recipe's own per-iteration monitors from the selected rollouts (e.g. the vote share), journaled and logged. */
    default Map<String, Double> monitors(int iteration, List<Rollout> selected) {
        return Map.of();
    }

    /**
     * Monitors of SELECT's finished choice against the task's verifier, for a recipe that scores itself
     * ({@link #ownReward}) and so never saw the verdicts while choosing: {@code verified.get(i)} is the verifier's
     * verdict on {@code selected.get(i)}. Called only when every problem has an answer; logged as {@code select_<name>}.
     */
    default Map<String, Double> verifiedMonitors(int iteration, List<Rollout> selected, List<Boolean> verified) {
        return Map.of();
    }

    /** What the loop offers a recipe choosing an iteration's controls. */
    interface Planning {
        int iteration();

        /** A seed for the recipe's own random choices and probes, fixed by (run seed, iteration). */
        long seed();

        /** The completion budget GENERATE uses. */
        int maxNewTokens();

        /** Problems of this iteration; a probe can sample up to this many. */
        int problems();

        /**
         * Samples the first {@code problems} of this iteration's problems with the current policy (the one GENERATE
         * will use) and scores them with the task's reward; nothing is stored. Same inputs, same rollouts.
         */
        List<Rollout> probe(int problems, SamplingParams params);
    }

    /**
     * @param steps optimizer steps this iteration
     * @param schedule learning-rate schedule over the iteration's steps
     * @param demonstrationMix fraction of each batch drawn from the demonstrations (keeps the format alive)
     * @param restartFromBase train from the base policy each iteration (ReST-EM) or continue (STaR variants)
     * @param objective the loss (SFT, or the clipped policy gradient on advantages and old log-probabilities) and its kernel
     * @param epochs 0: {@code steps} batches drawn with replacement; n > 0: n passes over the selection in shuffled
     *     minibatches of {@code batchSize} (online RL), {@code steps} ignored. A pairwise objective draws and counts
     *     {@link PreferencePair}s instead of rows: {@code batchSize} pairs per step
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
            if (objective.pairwise() && demonstrationMix > 0)
                throw new IllegalArgumentException("demonstration_mix must be 0 for a pairwise objective (" + objective.loss() + "): demonstrations are not pairs");
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
