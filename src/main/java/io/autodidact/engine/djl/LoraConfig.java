package io.autodidact.engine.djl;

import java.util.List;
import java.util.Set;

/**
 * Low-rank adapters (Hu et al. 2021) as PEFT defines them: each targeted projection {@code W} computes
 * {@code W x + (alpha / rank) B A dropout(x)}, with {@code A} [rank, in] and {@code B} [out, rank]; only A and B train.
 *
 * @param rank the adapters' inner dimension r
 * @param alpha the scale numerator: the update is multiplied by alpha / rank
 * @param dropout probability of dropping an input of the adapter path while training (0 disables it)
 * @param targets projection names, from {@link #ALL_TARGETS}
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targets) {

    /** Every projection of a Llama-family layer that can carry an adapter: attention and MLP. */
    public static final List<String> ALL_TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public LoraConfig {
        if (rank < 1) throw new IllegalArgumentException("lora.rank must be >= 1, got " + rank);
        if (!(alpha > 0)) throw new IllegalArgumentException("lora.alpha must be > 0, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("lora.dropout must be in [0, 1), got " + dropout);
        if (targets.isEmpty()) throw new IllegalArgumentException("lora.targets is empty; name some of " + ALL_TARGETS);
        for (String t : targets)
            if (!ALL_TARGETS.contains(t))
                throw new IllegalArgumentException("lora.targets: unknown module '" + t + "'; valid modules are " + ALL_TARGETS);
        if (Set.copyOf(targets).size() != targets.size())
            throw new IllegalArgumentException("lora.targets names a module twice: " + targets);
        targets = List.copyOf(targets);
    }

    /** Rank 8, alpha 16, dropout 0.05 on every projection: common choices for small models. */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 16, 0.05, ALL_TARGETS);
    }

    /** The factor alpha / rank applied to B A x (PEFT without rsLoRA). */
    public double scale() {
        return alpha / rank;
    }
}
