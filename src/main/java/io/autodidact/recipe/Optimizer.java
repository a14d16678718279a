package io.autodidact.recipe;

import io.autodidact.engine.Objective;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.Recipe.TrainPlan;
import java.util.Locale;
import java.util.Objects;

/**
 * How a recipe's TRAIN steps the optimizer: rows (or pairs) per step, AdamW's peak learning rate, its warmup and its
 * schedule, the options {@code batch_size}, {@code lr}, {@code warmup_steps} and {@code lr_schedule}. A recipe keeps its
 * defaults in one of these, which both {@link RecipeOptions#optimizer} (reading) and {@link RecipeOptions#optimizerDocs}
 * (the catalog) use, so the two cannot disagree.
 */
public record Optimizer(int batchSize, double lr, int warmupSteps, LrSchedule.Kind schedule) {
    public Optimizer {
        if (batchSize < 1) throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
        if (!(lr >= 0)) throw new IllegalArgumentException("lr must be >= 0, got " + lr);
        if (warmupSteps < 0) throw new IllegalArgumentException("warmup_steps must be >= 0, got " + warmupSteps);
        Objects.requireNonNull(schedule, "schedule");
    }

    /** SFT on {@code steps} batches drawn with replacement from the selection and the demonstrations. */
    public TrainPlan steps(int steps, double demonstrationMix, boolean restartFromBase) {
        return new TrainPlan(steps, batchSize, lr, warmupSteps, schedule, demonstrationMix, restartFromBase);
    }

    /** {@code objective} over {@code epochs} passes of the selection, continuing from the last policy, no demonstrations (online RL, DPO). */
    public TrainPlan epochs(int epochs, Objective objective) {
        return new TrainPlan(0, batchSize, lr, warmupSteps, schedule, 0, false, objective, epochs);
    }

    /** The schedule as the config writes it. */
    String scheduleName() {
        return schedule.name().toLowerCase(Locale.ROOT);
    }
}
