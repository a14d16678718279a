package io.autodidact.engine.djl.kernels;

import io.autodidact.engine.djl.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.autodidact.engine.TrainSequence;
import java.util.ArrayList;
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

    /**
     * Packs the per-row values of {@code rows} right-padded to {@code length} tokens (T = length - 1 positions): the mask
     * and log-probability rows go into their tensors by one bulk copy per row ({@link PaddedRows}).
     */
    public static KernelBatch of(NDArray logits, NDArray targets, List<TrainSequence> rows, int length, NDManager manager,
                                 int totalTokens, int totalSequences) {
        int b = rows.size(), t = length - 1;
        float[] adv = new float[b], off = new float[b], klw = new float[b];
        int[] at = new int[b], completion = new int[b];
        boolean anyOff = false, anyOld = false, anyRef = false, anyKl = false;
        List<float[]> mask = new ArrayList<>(b), old = new ArrayList<>(b), ref = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            TrainSequence s = rows.get(r);
            adv[r] = s.weight();
            klw[r] = s.klWeight();
            anyKl |= s.klWeight() != 1f;
            if (s.offPolicy()) {
                off[r] = 1;
                anyOff = true;
            }
            at[r] = s.completionStart() - 1;
            completion[r] = s.completionLength();
            mask.add(s.tokenWeights());
            old.add(s.oldLogprobs());
            ref.add(s.refLogprobs());
            anyOld |= s.oldLogprobs().length > 0;
            anyRef |= s.refLogprobs().length > 0;
        }
        // A row without old or reference log-probabilities among rows with them keeps zeros there, as it always did.
        int[] none = new int[b];
        return new KernelBatch(logits, targets, PaddedRows.floats(manager, mask, at, completion, t), NativeArrays.of(manager, adv, new Shape(b, 1)),
                anyOld ? PaddedRows.floats(manager, old, at, none, t) : null, anyRef ? PaddedRows.floats(manager, ref, at, none, t) : null,
                totalTokens, totalSequences, anyOff ? NativeArrays.of(manager, off, new Shape(b, 1)) : null, anyKl ? NativeArrays.of(manager, klw, new Shape(b, 1)) : null);
    }
}
