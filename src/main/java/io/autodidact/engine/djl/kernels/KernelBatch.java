package io.autodidact.engine.djl.kernels;

import io.autodidact.engine.djl.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.autodidact.engine.TrainSequence;
import java.util.List;

/**
 * One micro-batch as a kernel sees it, positions aligned with the predicted tokens (T = row length - 1).
 *
 * @param logits [B, T, V] the model's output (gradients flow into it)
 * @param targets [B, T, 1] int64 token each position predicts
 * @param mask [B, T] completion-token weights (the row's token weights, or 1), 0 on prompt and padding
 * @param advantages [B, 1] each row's weight: its advantage, or the SFT weight
 * @param oldLogp [B, T] sampling-policy log-probabilities, or null
 * @param refLogp [B, T] reference-policy log-probabilities, or null
 * @param totalTokens completion tokens of the whole step (every micro-batch)
 * @param totalSequences rows of the whole step
 * @param offPolicy [B, 1] 1 on rows sampled off-policy ({@link TrainSequence#offPolicy}), 0 elsewhere; null when none is
 * @param klWeights [B, 1] each row's multiplier of the KL coefficient ({@link TrainSequence#klWeight}), or null when every row's is 1
 */
public record KernelBatch(NDArray logits, NDArray targets, NDArray mask, NDArray advantages, NDArray oldLogp, NDArray refLogp,
                          int totalTokens, int totalSequences, NDArray offPolicy, NDArray klWeights) {

    public KernelBatch(NDArray logits, NDArray targets, NDArray mask, NDArray advantages, NDArray oldLogp, NDArray refLogp,
                       int totalTokens, int totalSequences, NDArray offPolicy) {
        this(logits, targets, mask, advantages, oldLogp, refLogp, totalTokens, totalSequences, offPolicy, null);
    }

    /** A batch with every row on-policy. */
    public KernelBatch(NDArray logits, NDArray targets, NDArray mask, NDArray advantages, NDArray oldLogp, NDArray refLogp,
                       int totalTokens, int totalSequences) {
        this(logits, targets, mask, advantages, oldLogp, refLogp, totalTokens, totalSequences, null);
    }

    /** Packs the per-row values of {@code rows} right-padded to {@code length} tokens (T = length - 1 positions). */
    public static KernelBatch of(NDArray logits, NDArray targets, List<TrainSequence> rows, int length, NDManager manager,
                                 int totalTokens, int totalSequences) {
        int b = rows.size(), t = length - 1;
        float[] mask = new float[b * t], adv = new float[b], off = new float[b];
        boolean anyOff = false;
        float[] old = null, ref = null, klw = null;
        for (TrainSequence s : rows) {
            if (s.oldLogprobs().length > 0) old = new float[b * t];
            if (s.refLogprobs().length > 0) ref = new float[b * t];
            if (s.klWeight() != 1f) klw = new float[b];
        }
        for (int r = 0; r < b; r++) {
            TrainSequence s = rows.get(r);
            adv[r] = s.weight();
            if (klw != null) klw[r] = s.klWeight();
            if (s.offPolicy()) {
                off[r] = 1;
                anyOff = true;
            }
            for (int j = 0; j < s.completionLength(); j++) {
                int at = r * t + s.completionStart() - 1 + j;
                mask[at] = s.tokenWeights().length == 0 ? 1f : s.tokenWeights()[j];
                if (old != null && s.oldLogprobs().length > 0) old[at] = s.oldLogprobs()[j];
                if (ref != null && s.refLogprobs().length > 0) ref[at] = s.refLogprobs()[j];
            }
        }
        Shape bt = new Shape(b, t);
        return new KernelBatch(logits, targets, NativeArrays.of(manager, mask, bt), NativeArrays.of(manager, adv, new Shape(b, 1)),
                old == null ? null : NativeArrays.of(manager, old, bt), ref == null ? null : NativeArrays.of(manager, ref, bt), totalTokens, totalSequences,
                anyOff ? NativeArrays.of(manager, off, new Shape(b, 1)) : null, klw == null ? null : NativeArrays.of(manager, klw, new Shape(b, 1)));
    }
}
