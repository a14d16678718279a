package io.autodidact.engine.djl.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.autodidact.engine.Objective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The built-in losses written directly against DJL: the engine's default, and the baseline the Python kernels
 * are measured against. Same formulas as {@code autodidact/kernels/losses.py}.
 */
public final class JavaKernels implements LossKernel {
    @Override
    public KernelResult loss(KernelBatch b, Objective o) {
        NDArray logp = tokenLogp(b);
        return switch (o.loss()) {
            case SFT -> new KernelResult(logp.mul(b.mask()).mul(b.advantages()).sum().neg().div(b.totalTokens()), Map.of());
            case POLICY_GRADIENT -> policyGradient(b, o, logp);
        };
    }

    /**
     * Self-certainty per row, the same formula as {@code autodidact/kernels/certainty.py}: over the masked positions of
     * {@code logits} [B, T, V] (mask [B, T]), the mean of {@code -log V - (1/V) sum_j log p_t(j)}; 0 for an empty row.
     */
    public static NDArray selfCertainty(NDArray logits, NDArray mask) {
        long v = logits.getShape().get(2);
        NDArray perToken = logits.logSoftmax(-1).mean(new int[] {2}).neg().sub((float) Math.log(v));
        return perToken.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}).maximum(1f));
    }

    static NDArray tokenLogp(KernelBatch b) {
        return b.logits().logSoftmax(-1).gather(b.targets(), 2).squeeze(-1);
    }

    private static KernelResult policyGradient(KernelBatch b, Objective o, NDArray logp) {
        if (b.oldLogp() == null) throw new IllegalArgumentException("policy gradient needs old log-probabilities on every row");
        NDArray mask = b.mask();
        NDArray ratio = logp.sub(b.oldLogp()).exp();
        NDArray unclipped = ratio.mul(b.advantages());
        NDArray clipped = ratio.clip(1 - o.epsLow(), 1 + o.epsHigh()).mul(b.advantages());
        NDArray token = unclipped.minimum(clipped).neg();
        NDArray kl = null;
        if (b.refLogp() != null) {
            NDArray q = b.refLogp().sub(logp);
            kl = q.exp().sub(q).sub(1f);
            if (o.klCoef() > 0) token = token.add(b.klWeights() == null ? kl.mul((float) o.klCoef()) : kl.mul(b.klWeights()).mul((float) o.klCoef()));
        } else if (o.klCoef() > 0) throw new IllegalArgumentException("kl_coef " + o.klCoef() + " needs reference log-probabilities");
        NDArray loss = switch (o.averaging()) {
            case TOKEN -> token.mul(mask).sum().div(b.totalTokens());
            case SEQUENCE -> token.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}).maximum(1f)).sum().div(b.totalSequences());
            case CONSTANT -> token.mul(mask).sum().div((float) o.maxLength() * b.totalSequences());
        };
        Map<String, Double> monitors = new LinkedHashMap<>();
        double n = Math.max(mask.sum().getFloat(), 1f);
        monitors.put("clip_fraction", clipped.lt(unclipped).toType(DataType.FLOAT32, false).mul(mask).sum().getFloat() / n);
        monitors.put("ratio", ratio.stopGradient().mul(mask).sum().getFloat() / n);
        monitors.put("kl", kl == null ? 0.0 : kl.stopGradient().mul(mask).sum().getFloat() / n);
        NDArray lp = b.logits().stopGradient().logSoftmax(-1);
        monitors.put("entropy", lp.exp().mul(lp).sum(new int[] {2}).neg().mul(mask).sum().getFloat() / n);
        return new KernelResult(loss, monitors);
    }
}
