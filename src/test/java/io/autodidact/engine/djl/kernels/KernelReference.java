package io.autodidact.engine.djl.kernels;

import java.util.function.ToDoubleFunction;

/**
 * Independent float64 references for the kernels, in plain Java loops (no DJL, no Python), and central finite
 * differences for their gradients. Arrays are flattened row-major: logits [B][T][V] at (b*T + t)*V + v.
 */
final class KernelReference {
    private KernelReference() {}

    static double[] tokenLogp(double[] logits, int[] targets, int b, int t, int v) {
        double[] out = new double[b * t];
        for (int i = 0; i < b * t; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < v; j++) max = Math.max(max, logits[i * v + j]);
            for (int j = 0; j < v; j++) sum += Math.exp(logits[i * v + j] - max);
            out[i] = logits[i * v + targets[i]] - max - Math.log(sum);
        }
        return out;
    }

    static double sft(double[] logits, int[] targets, double[] mask, double[] adv, int b, int t, int v, double totalTokens) {
        double[] lp = tokenLogp(logits, targets, b, t, v);
        double s = 0;
        for (int i = 0; i < b * t; i++) s += adv[i / t] * mask[i] * lp[i];
        return -s / totalTokens;
    }

    /** averaging: 0 token, 1 sequence, 2 constant. */
    static double policyGradient(double[] logits, int[] targets, double[] mask, double[] adv, double[] old, double[] ref,
                                 int b, int t, int v, double epsLow, double epsHigh, double klCoef, int averaging,
                                 double totalTokens, double totalSequences, double maxLength) {
        return policyGradient(logits, targets, mask, adv, old, ref, b, t, v, epsLow, epsHigh, klCoef, averaging, totalTokens, totalSequences,
                maxLength, null);
    }

    /** As above, with each row's KL multiplied by {@code klWeights[row]} (null: 1). */
    static double policyGradient(double[] logits, int[] targets, double[] mask, double[] adv, double[] old, double[] ref,
                                 int b, int t, int v, double epsLow, double epsHigh, double klCoef, int averaging,
                                 double totalTokens, double totalSequences, double maxLength, double[] klWeights) {
        double[] lp = tokenLogp(logits, targets, b, t, v);
        double total = 0;
        for (int r = 0; r < b; r++) {
            double rowSum = 0, rowMask = 0;
            for (int j = 0; j < t; j++) {
                int i = r * t + j;
                double ratio = Math.exp(lp[i] - old[i]);
                double clipped = Math.min(Math.max(ratio, 1 - epsLow), 1 + epsHigh);
                double l = -Math.min(ratio * adv[r], clipped * adv[r]);
                if (ref != null) {
                    double q = ref[i] - lp[i];
                    l += klCoef * (klWeights == null ? 1 : klWeights[r]) * (Math.exp(q) - q - 1);
                }
                rowSum += mask[i] * l;
                rowMask += mask[i];
            }
            total += switch (averaging) {
                case 0 -> rowSum / totalTokens;
                case 1 -> rowSum / Math.max(rowMask, 1) / totalSequences;
                default -> rowSum / (maxLength * totalSequences);
            };
        }
        return total;
    }

    /**
     * Guide's loss, token averaging: rows with {@code off[r] == 1} take {@code -(rho / (rho + gamma)) A} unclipped, the others
     * the clipped loss; {@code gamma} fixed (the kernels detach it), so finite differences see only rho move.
     */
    static double offPolicyGradient(double[] logits, int[] targets, double[] mask, double[] adv, double[] old, double[] off, double gamma,
                                    int b, int t, int v, double epsLow, double epsHigh, double totalTokens) {
        double[] lp = tokenLogp(logits, targets, b, t, v);
        double total = 0;
        for (int i = 0; i < b * t; i++) {
            int r = i / t;
            double ratio = Math.exp(lp[i] - old[i]);
            double l = off[r] == 1 ? -ratio / (ratio + gamma) * adv[r]
                    : -Math.min(ratio * adv[r], Math.min(Math.max(ratio, 1 - epsLow), 1 + epsHigh) * adv[r]);
            total += mask[i] * l;
        }
        return total / totalTokens;
    }

    /** The q quantile of the values whose mask is positive, linear interpolation between order statistics (numpy's default). */
    static double quantile(double[] values, double[] mask, double q) {
        java.util.List<Double> kept = new java.util.ArrayList<>();
        for (int i = 0; i < values.length; i++) if (mask[i] > 0) kept.add(values[i]);
        java.util.Collections.sort(kept);
        double pos = q * (kept.size() - 1);
        int lo = (int) pos;
        return lo + 1 < kept.size() ? kept.get(lo) + (pos - lo) * (kept.get(lo + 1) - kept.get(lo)) : kept.get(lo);
    }

    /** method: grpo, drgrpo, rloo; rewards [G][K]. */
    static double[] groupAdvantages(double[] rewards, int g, int k, String method) {
        double[] out = new double[g * k];
        for (int r = 0; r < g; r++) {
            double mean = 0;
            for (int j = 0; j < k; j++) mean += rewards[r * k + j];
            mean /= k;
            double var = 0;
            for (int j = 0; j < k; j++) var += (rewards[r * k + j] - mean) * (rewards[r * k + j] - mean);
            double std = Math.sqrt(var / (k - 1));
            for (int j = 0; j < k; j++) {
                double x = rewards[r * k + j];
                out[r * k + j] = switch (method) {
                    case "grpo" -> (x - mean) / (std + 1e-6);
                    case "drgrpo" -> x - mean;
                    default -> {
                        double others = 0;
                        for (int o = 0; o < k; o++) if (o != j) others += rewards[r * k + o];
                        yield x - others / (k - 1);
                    }
                };
            }
        }
        return out;
    }

    static double[] selfCertainty(double[] logits, double[] mask, int b, int t, int v) {
        double[] out = new double[b];
        for (int r = 0; r < b; r++) {
            double sum = 0, n = 0;
            for (int j = 0; j < t; j++) {
                int i = r * t + j;
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (int c = 0; c < v; c++) max = Math.max(max, logits[i * v + c]);
                for (int c = 0; c < v; c++) z += Math.exp(logits[i * v + c] - max);
                double lse = max + Math.log(z), kl = 0;
                for (int c = 0; c < v; c++) kl += -Math.log(v) - (logits[i * v + c] - lse);
                sum += mask[i] * kl / v;
                n += mask[i];
            }
            out[r] = sum / Math.max(n, 1);
        }
        return out;
    }

    static double dpo(double[] chosen, double[] rejected, double[] refChosen, double[] refRejected, double beta) {
        double s = 0;
        for (int i = 0; i < chosen.length; i++) {
            double z = beta * ((chosen[i] - refChosen[i]) - (rejected[i] - refRejected[i]));
            s += Math.log1p(Math.exp(-z)); // -log sigmoid(z)
        }
        return s / chosen.length;
    }

    /** DPO on an engine batch: rows (2p, 2p+1) are pair p's chosen and rejected, scored by masked sums of log-probabilities. */
    static double dpoRows(double[] logits, int[] targets, double[] mask, double[] ref, int b, int t, int v, double beta, double totalSequences) {
        double[] lp = tokenLogp(logits, targets, b, t, v);
        double[] seq = new double[b], refSeq = new double[b];
        for (int i = 0; i < b * t; i++) {
            seq[i / t] += mask[i] * lp[i];
            refSeq[i / t] += mask[i] * ref[i];
        }
        double[] c = new double[b / 2], r = new double[b / 2], rc = new double[b / 2], rr = new double[b / 2];
        for (int p = 0; p < b / 2; p++) {
            c[p] = seq[2 * p];
            r[p] = seq[2 * p + 1];
            rc[p] = refSeq[2 * p];
            rr[p] = refSeq[2 * p + 1];
        }
        return dpo(c, r, rc, rr, beta) * (b / 2) / (totalSequences / 2);
    }

    static double dot(double[] a, double[] w) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * w[i];
        return s;
    }

    /** d f / d x by central differences in float64. */
    static double[] gradient(double[] x, ToDoubleFunction<double[]> f) {
        double[] g = new double[x.length], y = x.clone();
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6 * Math.max(1, Math.abs(x[i]));
            y[i] = x[i] + h;
            double up = f.applyAsDouble(y);
            y[i] = x[i] - h;
            double down = f.applyAsDouble(y);
            y[i] = x[i];
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /** ||a - b|| / ||b|| (or ||a - b|| when b is 0). */
    static double relativeError(double[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return Math.sqrt(num) / (den == 0 ? 1 : Math.sqrt(den));
    }
}
