package io.autodidact.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * The seam between the loop and whatever runs the model: in process (DJL) or remote workers. An engine
 * owns one policy's weights and optimizer state. Implementations are not required to be thread-safe.
 */
public interface PolicyEngine extends AutoCloseable {

    Tokenizer tokenizer();

    /** The longest prompt plus completion the model accepts. */
    int contextLength();

    /**
     * {@code params.n()} completions for every prompt, ordered by prompt then sample index. A completion ends where prompt
     * plus completion fill {@link #contextLength()}, so every sample can be trained on as it is.
     */
    List<Generation> generate(List<int[]> prompts, SamplingParams params);

    /** One optimizer step (AdamW) on the batch. */
    StepMetrics train(TrainBatch batch);

    /** Log-probability of each completion token given its prompt, at temperature 1. */
    List<float[]> logprobs(List<int[]> prompts, List<int[]> completions);

    /**
     * Self-certainty of each completion given its prompt (Kang et al. 2025, "Scalable Best-of-N Selection for Large
     * Language Models via Self-Certainty"): the mean over the completion's tokens of KL(uniform || p_t), with p_t the
     * policy's full next-token distribution at temperature 1, {@code mean_t(-log V - (1/V) sum_j log p_t(j))}. Higher
     * means more confident; 0 for an empty completion. Computed without a gradient.
     */
    double[] selfCertainty(List<int[]> prompts, List<int[]> completions);

    /** Writes a checkpoint directory (config.json, model.safetensors, tokenizer) atomically. */
    void save(Path dir);

    /** An independent copy of the current weights (for a reference or base policy), with fresh optimizer state. */
    PolicyEngine fork();

    @Override
    void close();
}
