package io.autodidact.engine.djl.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.autodidact.engine.Objective;
import static io.autodidact.engine.djl.NativeArrays.div;
import static io.autodidact.engine.djl.NativeArrays.maximum;
import static io.autodidact.engine.djl.NativeArrays.minimum;
import static io.autodidact.engine.djl.NativeArrays.mul;

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
            case SFT -> new KernelResult(div(logp.mul(b.mask()).mul(b.advantages()).sum().neg(), b.totalTokens()), Map.of());
            case POLICY_GRADIENT -> policyGradient(b, o, logp);
            case DPO -> dpo(b, o, logp);
        };
    }

    /**
     * DPO on (chosen, rejected) row pairs: {@code -log sigmoid(beta * ((c - c_ref) - (r - r_ref)))} with c, r the rows'
     * masked sums of token log-probabilities; the micro-batch's pairs summed and divided by the step's pair count, so
     * micro-batches add up to the mean over pairs. Same formula and monitors as {@code losses.dpo}.
     */
    private static KernelResult dpo(KernelBatch b, Objective o, NDArray logp) {
        if (b.refLogp() == null) throw new IllegalArgumentException("dpo needs reference log-probabilities on every row");
        long rows = b.mask().getShape().get(0);
        if (rows % 2 != 0) throw new IllegalArgumentException("dpo takes (chosen, rejected) row pairs; this micro-batch has " + rows + " rows");
        NDArray seq = logp.mul(b.mask()).sum(new int[] {1});
        NDArray ref = b.refLogp().mul(b.mask()).sum(new int[] {1});
        NDArray ratios = seq.sub(ref).reshape(rows / 2, 2);
        NDArray chosen = ratios.get(":, 0"), rejected = ratios.get(":, 1");
        NDArray margin = mul(chosen.sub(rejected), o.beta());
        // log sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), stable for large |x|
        NDArray logSigmoid = minimum(margin, 0).sub(margin.abs().neg().exp().add(1f).log());
        NDArray loss = div(logSigmoid.sum().neg(), b.totalSequences() / 2.0);
        Map<String, Double> monitors = new LinkedHashMap<>();
        NDArray m = margin.stopGradient();
        monitors.put("reward_margin", (double) m.mean().getFloat());
        monitors.put("reward_accuracy", (double) m.gt(0f).toType(DataType.FLOAT32, false).mean().getFloat());
        monitors.put("chosen_reward", (double) chosen.stopGradient().mean().getFloat() * o.beta());
        monitors.put("rejected_reward", (double) rejected.stopGradient().mean().getFloat() * o.beta());
        return new KernelResult(loss, monitors);
    }

    /**
     * Self-certainty per row, the same formula as {@code autodidact/kernels/certainty.py}: over the masked positions of
     * {@code logits} [B, T, V] (mask [B, T]), the mean of {@code -log V - (1/V) sum_j log p_t(j)}; 0 for an empty row.
     */
    public static NDArray selfCertainty(NDArray logits, NDArray mask) {
        long v = logits.getShape().get(2);
        NDArray perToken = logits.logSoftmax(-1).mean(new int[] {2}).neg().sub((float) Math.log(v));
        return perToken.mul(mask).sum(new int[] {1}).div(maximum(mask.sum(new int[] {1}), 1));
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
        Map<String, Double> monitors = new LinkedHashMap<>();
        if (b.offPolicy() != null) {
            // Guide: off-policy rows use rho / (rho + gamma), unclipped, gamma a detached quantile of their ratios.
            NDArray offMask = mask.mul(b.offPolicy());
            double q = ArrayBridge.quantile(ratio.stopGradient().toFloatArray(), offMask.broadcast(ratio.getShape()).toFloatArray(),
                    o.offPolicyPercentile());
            double gamma = Double.isNaN(q) ? 1 : Math.max(1e-4, q); // NaN: no off-policy token here, shaping unused
            NDArray shaped = ratio.div(ratio.add((float) gamma));
            NDArray off = b.offPolicy();
            token = shaped.mul(b.advantages()).neg().mul(off).add(token.mul(off.neg().add(1f)));
            double offTokens = offMask.sum().getFloat();
            if (offTokens > 0) {
                monitors.put("off_policy_gamma", gamma);
                monitors.put("off_policy_shaped_ratio", shaped.stopGradient().mul(offMask).sum().getFloat() / offTokens);
            }
        }
        NDArray kl = null;
        if (b.refLogp() != null) {
            NDArray q = b.refLogp().sub(logp);
            kl = q.exp().sub(q).sub(1f);
            if (o.klCoef() > 0) token = token.add(b.klWeights() == null ? mul(kl, o.klCoef()) : mul(kl.mul(b.klWeights()), o.klCoef()));
        } else if (o.klCoef() > 0) throw new IllegalArgumentException("kl_coef " + o.klCoef() + " needs reference log-probabilities");
        NDArray loss = switch (o.averaging()) {
            case TOKEN -> div(token.mul(mask).sum(), b.totalTokens());
            case SEQUENCE -> div(token.mul(mask).sum(new int[] {1}).div(maximum(mask.sum(new int[] {1}), 1)).sum(), b.totalSequences());
            case CONSTANT -> div(token.mul(mask).sum(), (double) o.maxLength() * b.totalSequences());
        };
        double n = Math.max(mask.sum().getFloat(), 1f);
        monitors.put("clip_fraction", clipped.lt(unclipped).toType(DataType.FLOAT32, false).mul(mask).sum().getFloat() / n);
        monitors.put("ratio", ratio.stopGradient().mul(mask).sum().getFloat() / n);
        monitors.put("kl", kl == null ? 0.0 : kl.stopGradient().mul(mask).sum().getFloat() / n);
        NDArray lp = b.logits().stopGradient().logSoftmax(-1);
        monitors.put("entropy", lp.exp().mul(lp).sum(new int[] {2}).neg().mul(mask).sum().getFloat() / n);
        return new KernelResult(loss, monitors);
    }
}
