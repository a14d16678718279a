package io.autodidact.engine;

import java.util.List;

/**
 * The rows of one optimizer step. The engine splits them into micro-batches of at most
 * {@code microBatchSize} rows and accumulates gradients, so the step is the same whatever fits in memory.
 * The loss is the weighted mean over all completion tokens of the batch.
 */
public record TrainBatch(List<TrainSequence> sequences, double learningRate, int microBatchSize) {
    public TrainBatch {
        sequences = List.copyOf(sequences);
        if (sequences.isEmpty()) throw new IllegalArgumentException("a training batch needs at least one sequence");
        if (!(learningRate >= 0)) throw new IllegalArgumentException("learning_rate must be >= 0, got " + learningRate);
        if (microBatchSize < 1) throw new IllegalArgumentException("micro_batch_size must be >= 1, got " + microBatchSize);
    }

    public TrainBatch(List<TrainSequence> sequences, double learningRate) {
        this(sequences, learningRate, Math.max(1, sequences.size()));
    }
}
