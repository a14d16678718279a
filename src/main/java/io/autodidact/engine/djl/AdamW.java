package io.autodidact.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter), applied to matrices only: norms and
 * biases are not decayed, as in GPT-2/nanoGPT and most Llama recipes. Updates weights in place; must
 * run with gradient recording off.
 */
final class AdamW {
    record Settings(double beta1, double beta2, double eps, double weightDecay, double clipNorm) {
        Settings {
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("adam beta1 must be in [0,1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("adam beta2 must be in [0,1), got " + beta2);
            if (!(eps > 0)) throw new IllegalArgumentException("adam eps must be > 0, got " + eps);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
            if (!(clipNorm >= 0)) throw new IllegalArgumentException("grad_clip must be >= 0 (0 disables it), got " + clipNorm);
        }

        static Settings defaults() {
            return new Settings(0.9, 0.95, 1e-8, 0.1, 1.0);
        }
    }

    private final Settings settings;
    private final Map<NDArray, NDArray[]> moments = new IdentityHashMap<>();
    private long step;

    AdamW(Settings settings) {
        this.settings = settings;
    }

    long step() {
        return step;
    }

    /** Global L2 norm of the gradients, before clipping. */
    static double gradNorm(List<NDArray> params) {
        double sq = 0;
        for (NDArray p : params) {
            try (NDArray s = p.getGradient().square().sum()) {
                sq += s.getFloat();
            }
        }
        return Math.sqrt(sq);
    }

    /** Clips to the configured norm, applies one update, and zeroes the gradients. Returns the pre-clip norm. */
    double update(List<NDArray> params, double lr) {
        double norm = gradNorm(params);
        double scale = settings.clipNorm() > 0 && norm > settings.clipNorm() ? settings.clipNorm() / (norm + 1e-6) : 1.0;
        step++;
        double bc1 = 1 - Math.pow(settings.beta1(), step), bc2 = 1 - Math.pow(settings.beta2(), step);
        double b1 = settings.beta1(), b2 = settings.beta2();
        for (NDArray p : params) {
            NDArray grad = p.getGradient();
            NDArray[] mv = moments.computeIfAbsent(p, k -> {
                NDArray[] fresh = {k.zerosLike(), k.zerosLike()};
                NDScope.unregister(fresh); // optimizer state outlives the step's scope
                return fresh;
            });
            NDArray g = scale == 1.0 ? grad : grad.mul(scale);
            mv[0].muli(b1).addi(g.mul(1 - b1));
            mv[1].muli(b2).addi(g.square().muli(1 - b2));
            if (settings.weightDecay() > 0 && p.getShape().dimension() >= 2) p.muli(1 - lr * settings.weightDecay());
            NDArray denom = mv[1].div(bc2).sqrt().addi(settings.eps());
            p.subi(mv[0].div(denom).muli(lr / bc1));
            grad.subi(grad);
        }
        return norm;
    }

    /** Drops the moments of weights that no longer exist (after a reload). */
    void reset() {
        for (NDArray[] mv : moments.values()) {
            mv[0].close();
            mv[1].close();
        }
        moments.clear();
        step = 0;
    }
}
