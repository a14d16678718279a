package io.autodidact.engine;

import java.util.List;
import java.util.Objects;

/**
 * The rows of one optimizer step and what to minimise on them. The engine splits them into micro-batches of
 * at most {@code microBatchSize} rows and accumulates gradients, so the step is the same whatever fits in
 * memory: the objective's normalisers count the whole batch. A pairwise objective (DPO) takes the rows as
 * (chosen, rejected) pairs in order, so their count and the micro-batch size are even and no pair is split.
 */
public record TrainBatch(List<TrainSequence> sequences, double learningRate, int microBatchSize, Objective objective) {
    public TrainBatch {
        sequences = List.copyOf(sequences);
        if (sequences.isEmpty()) throw new IllegalArgumentException("a training batch needs at least one sequence");
        if (!(learningRate >= 0)) throw new IllegalArgumentException("learning_rate must be >= 0, got " + learningRate);
        if (microBatchSize < 1) throw new IllegalArgumentException("micro_batch_size must be >= 1, got " + microBatchSize);
        Objects.requireNonNull(objective, "objective");
        if (objective.pairwise() && (sequences.size() % 2 != 0 || microBatchSize % 2 != 0))
            throw new IllegalArgumentException("the " + objective.loss() + " objective takes (chosen, rejected) pairs: rows ("
                    + sequences.size() + ") and micro_batch_size (" + microBatchSize + ") must be even");
        for (int i = 0; i < sequences.size(); i++) {
            TrainSequence s = sequences.get(i);
            if (objective.needsOldLogprobs() && s.oldLogprobs().length == 0)
                throw new IllegalArgumentException("row " + i + " has no old log-probabilities; the " + objective.loss()
                        + " objective needs the sampling policy's (keep them from generation)");
            if (objective.needsReferenceLogprobs() && s.refLogprobs().length == 0)
                throw new IllegalArgumentException("row " + i + " has no reference log-probabilities; " + (objective.pairwise()
                        ? "the " + objective.loss() + " objective needs them" : "kl_coef " + objective.klCoef() + " needs them (or set kl_coef 0)"));
        }
    }

    /** An SFT step. */
    public TrainBatch(List<TrainSequence> sequences, double learningRate, int microBatchSize) {
        this(sequences, learningRate, microBatchSize, Objective.sft());
    }

    /** An SFT step in one micro-batch. */
    public TrainBatch(List<TrainSequence> sequences, double learningRate) {
        this(sequences, learningRate, Math.max(1, sequences.size()));
    }

    /** One micro-batch holding every row. */
    public TrainBatch(List<TrainSequence> sequences, double learningRate, Objective objective) {
        this(sequences, learningRate, Math.max(1, sequences.size()), objective);
    }
}
