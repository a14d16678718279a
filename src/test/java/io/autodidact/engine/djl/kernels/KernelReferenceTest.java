package io.autodidact.engine.djl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.autodidact.engine.Objective;
import io.autodidact.python.PythonRuntime;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kernel, Python (GraalPy over DJL) and Java (DJL), against an independent float64 reference in plain
 * Java: the value, and the gradient libtorch's autograd computes through the kernel against central finite
 * differences of the reference, on random inputs whose mask has an empty row. Relative error under 1e-5.
 */
class KernelReferenceTest {
    private static final int B = 4, T = 6, V = 7;
    private static final double TOLERANCE = 1e-5;

    private static NDManager manager;
    private static PythonKernel python;
    private static final JavaKernels JAVA = new JavaKernels();

    private final Random random = new Random(7);
    private final float[] logits = gaussian(B * T * V, 2.0);
    private final int[] targets = new int[B * T];
    private final float[] mask = new float[B * T];
    private final float[] adv = gaussian(B, 1.0);
    private final float[] old = new float[B * T];
    private final float[] ref = new float[B * T];
    private final int totalTokens;

    KernelReferenceTest() {
        for (int i = 0; i < B * T; i++) targets[i] = random.nextInt(V);
        // Row 0 full, row 1 a prompt of 2 then completion, row 2 empty, row 3 a completion with a fractional weight.
        int count = 0;
        for (int j = 0; j < T; j++) {
            mask[j] = 1;
            mask[T + j] = j >= 2 ? 1 : 0;
            mask[3 * T + j] = j >= 1 ? (j == 3 ? 0.5f : 1) : 0;
        }
        for (float m : mask) if (m > 0) count++;
        totalTokens = count;
        double[] lp = KernelReference.tokenLogp(d(logits), targets, B, T, V);
        for (int i = 0; i < B * T; i++) {
            old[i] = (float) (lp[i] + 0.4 * random.nextGaussian()); // ratios on both sides of the clip range
            ref[i] = (float) (lp[i] + 0.3 * random.nextGaussian());
        }
    }

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
        python = new PythonKernel(PythonRuntime.shared());
    }

    @AfterAll
    static void stop() {
        python.close();
        manager.close();
    }

    @Test
    void sftCrossEntropyMatchesFloat64ReferenceInPythonAndJava() {
        double[] a = d(adv);
        Function<double[], Double> reference = x -> KernelReference.sft(x, targets, d(mask), a, B, T, V, totalTokens);
        for (LossKernel kernel : new LossKernel[] {python, JAVA})
            check(kernel, Objective.sft().withKernel(kernel == python ? Objective.Kernel.python() : Objective.Kernel.JAVA), false, reference);
    }

    @Test
    void clippedPolicyLossMatchesFloat64ReferenceForEveryAveragingWithAndWithoutKl() {
        String[] names = {"TOKEN", "SEQUENCE", "CONSTANT"};
        for (int averaging = 0; averaging < 3; averaging++) {
            for (double kl : new double[] {0.0, 0.1}) {
                int avg = averaging;
                Objective o = Objective.policyGradient(0.2, 0.28, kl, Objective.Averaging.valueOf(names[averaging]), 8);
                Function<double[], Double> reference = x -> KernelReference.policyGradient(x, targets, d(mask), d(adv), d(old),
                        kl > 0 ? d(ref) : null, B, T, V, 0.2, 0.28, kl, avg, totalTokens, B, 8);
                Map<String, Double> fromPython = check(python, o.withKernel(Objective.Kernel.python()), kl > 0, reference);
                Map<String, Double> fromJava = check(JAVA, o, kl > 0, reference);
                for (String m : new String[] {"clip_fraction", "ratio", "kl", "entropy"})
                    assertEquals(fromJava.get(m), fromPython.get(m), 1e-5, m + " differs between the Python and Java kernels");
                assertTrue(fromPython.get("clip_fraction") > 0 && fromPython.get("clip_fraction") < 1,
                        "the inputs should clip some tokens and not others: " + fromPython);
            }
        }
    }

    @Test
    void perRowKlWeightsScaleEachRowsKlTermIdenticallyInPythonAndJava() {
        float[] klWeights = {10f, 1f, 3f, 0f};
        for (int averaging = 0; averaging < 2; averaging++) {
            int avg = averaging;
            Objective o = Objective.policyGradient(0.2, 0.28, 0.1, avg == 0 ? Objective.Averaging.TOKEN : Objective.Averaging.SEQUENCE, 8);
            Function<double[], Double> reference = x -> KernelReference.policyGradient(x, targets, d(mask), d(adv), d(old), d(ref), B, T, V,
                    0.2, 0.28, 0.1, avg, totalTokens, B, 8, d(klWeights));
            Function<double[], Double> unweighted = x -> KernelReference.policyGradient(x, targets, d(mask), d(adv), d(old), d(ref), B, T, V,
                    0.2, 0.28, 0.1, avg, totalTokens, B, 8);
            assertTrue(Math.abs(reference.apply(d(logits)) - unweighted.apply(d(logits))) > 1e-3, "the weights must change the loss");
            checkKlWeights(python, o.withKernel(Objective.Kernel.python()), reference, klWeights);
            checkKlWeights(JAVA, o, reference, klWeights);
        }
    }

    @Test
    void groupAdvantagesMatchFloat64ReferenceForGrpoDrGrpoAndRloo() {
        int g = 3, k = 5;
        float[] rewards = new float[g * k];
        for (int i = 0; i < rewards.length; i++) rewards[i] = random.nextInt(2) + 0.3f * (float) random.nextGaussian();
        double[] w = d(gaussian(g * k, 1.0));
        for (String method : new String[] {"grpo", "drgrpo", "rloo"}) {
            Function<double[], Double> reference = x -> KernelReference.dot(KernelReference.groupAdvantages(x, g, k, method), w);
            checkFunction("advantages", "group_advantages", Map.of("method", method), rewards, new Shape(g, k), w, reference,
                    KernelReference.groupAdvantages(d(rewards), g, k, method), x -> new Object[] {x});
        }
    }

    @Test
    void selfCertaintyMatchesFloat64ReferenceAndGivesZeroForAnEmptyRow() {
        double[] w = d(gaussian(B, 1.0));
        double[] expected = KernelReference.selfCertainty(d(logits), d(mask), B, T, V);
        assertEquals(0.0, expected[2]);
        NDArray maskArray = manager.create(mask, new Shape(B, T));
        checkFunction("certainty", "self_certainty", Map.of(), logits, new Shape(B, T, V), w,
                x -> KernelReference.dot(KernelReference.selfCertainty(x, d(mask), B, T, V), w), expected, x -> new Object[] {x, maskArray});
    }

    /**
     * xp's masked mean and sum (one bridge call each, {@code ArrayBridge.maskedMean} / {@code maskedSum}) against their
     * definitions, sum(x * m) / max(sum(m broadcast to x), 1) and sum(x * m), in value and gradient: a weighted mask per row
     * (row 2 empty, so its mean is 0), a boolean mask over everything, and a [B, 1] mask broadcast along the positions.
     */
    @Test
    void maskedMeanAndSumMatchTheirDefinitionForWeightedBooleanAndBroadcastMasks() {
        float[] x = gaussian(B * T, 1.0);
        float[] rowMask = {1, 0, 0.5f, 1};
        double[] w = d(gaussian(B, 1.0));
        double[] ones = {1.0};
        NDArray weights = manager.create(mask, new Shape(B, T));
        NDArray bool = weights.gt(0f);
        NDArray perRow = manager.create(rowMask, new Shape(B, 1));
        Function<double[], double[]> weightedRows = v -> maskedRows(v, (i, j) -> mask[i * T + j], true);
        checkFunction("xp", "mean", Map.of(), x, new Shape(B, T), w, v -> KernelReference.dot(weightedRows.apply(v), w),
                weightedRows.apply(d(x)), a -> new Object[] {a, 1, false, weights});
        assertEquals(0.0, weightedRows.apply(d(x))[2], "the empty row's mean");
        Function<double[], Double> boolMean = v -> {
            double sum = 0, n = 0;
            for (int i = 0; i < B * T; i++) if (mask[i] > 0) { sum += v[i]; n++; }
            return sum / n;
        };
        checkFunction("xp", "mean", Map.of(), x, new Shape(B, T), ones, boolMean, new double[] {boolMean.apply(d(x))},
                a -> new Object[] {a, null, false, bool});
        Function<double[], double[]> broadcastRows = v -> maskedRows(v, (i, j) -> rowMask[i], true);
        checkFunction("xp", "mean", Map.of(), x, new Shape(B, T), w, v -> KernelReference.dot(broadcastRows.apply(v), w),
                broadcastRows.apply(d(x)), a -> new Object[] {a, 1, false, perRow});
        Function<double[], double[]> boolSums = v -> maskedRows(v, (i, j) -> mask[i * T + j] > 0 ? 1 : 0, false);
        checkFunction("xp", "sum", Map.of(), x, new Shape(B, T), w, v -> KernelReference.dot(boolSums.apply(v), w),
                boolSums.apply(d(x)), a -> new Object[] {a, 1, false, bool});
    }

    private interface MaskAt {
        double at(int row, int position);
    }

    /** Per row of v [B, T]: sum_t v * m, divided by max(sum_t m, 1) when {@code mean}. */
    private static double[] maskedRows(double[] v, MaskAt m, boolean mean) {
        double[] out = new double[B];
        for (int i = 0; i < B; i++) {
            double sum = 0, n = 0;
            for (int j = 0; j < T; j++) {
                sum += v[i * T + j] * m.at(i, j);
                n += m.at(i, j);
            }
            out[i] = mean ? sum / Math.max(n, 1) : sum;
        }
        return out;
    }

    @Test
    void dpoLossMatchesFloat64Reference() {
        int p = 6;
        float[] chosen = gaussian(p, 3.0), rejected = gaussian(p, 3.0), refChosen = gaussian(p, 3.0), refRejected = gaussian(p, 3.0);
        // The gradient is checked with respect to the chosen log-probabilities; the others are constants here.
        NDArray r = manager.create(rejected), rc = manager.create(refChosen), rr = manager.create(refRejected);
        double expected = KernelReference.dpo(d(chosen), d(rejected), d(refChosen), d(refRejected), 0.5);
        checkFunction("losses", "dpo_loss", Map.of("beta", 0.5), chosen, new Shape(p), new double[] {1.0},
                x -> KernelReference.dpo(x, d(rejected), d(refChosen), d(refRejected), 0.5), new double[] {expected},
                x -> new Object[] {x, r, rc, rr});
    }

    @Test
    void offPolicyRowsTakeTheShapedRatioWithGammaTheNinetiethPercentileOfTheirRatiosByHand() {
        // Row 0 off-policy with ratios 0.5, 1, 2, 4 (gamma = 2 + 0.7 * (4 - 2) = 3.4), row 1 on-policy with ratios 0.5 and 1.5,
        // which the clip pulls to 0.8 and 1.2 where that lowers the objective; A = +1 and -2; token averaging over 6 tokens.
        int b = 2, t = 4, v = 3;
        float[] lg = gaussian(b * t * v, 1.0);
        int[] tg = new int[b * t];
        float[] msk = {1, 1, 1, 1, 0, 0, 1, 1};
        double[] rho = {0.5, 1, 2, 4, 1, 1, 0.5, 1.5};
        double[] lp = KernelReference.tokenLogp(d(lg), tg, b, t, v);
        float[] oldLp = new float[b * t];
        for (int i = 0; i < b * t; i++) oldLp[i] = (float) (lp[i] - Math.log(rho[i]));
        float[] a = {1f, -2f};
        double gamma = 3.4;
        double offLoss = -(0.5 / 3.9 + 1 / 4.4 + 2 / 5.4 + 4 / 7.4);
        double onLoss = -Math.min(0.5 * -2, 0.8 * -2) - Math.min(1.5 * -2, 1.2 * -2); // = 1.0 + 3.0
        double expected = (offLoss + onLoss) / 6;
        assertEquals(gamma, KernelReference.quantile(new double[] {4, 0.5, 2, 1}, new double[] {1, 1, 1, 1}, 0.9), 1e-12);
        Objective o = Objective.policyGradient(0.2, 0.2, 0, Objective.Averaging.TOKEN, 0);
        for (LossKernel kernel : new LossKernel[] {python, JAVA}) {
            try (NDManager m = manager.newSubManager()) {
                long[] targets64 = new long[b * t];
                KernelBatch batch = new KernelBatch(m.create(lg, new Shape(b, t, v)), m.create(targets64, new Shape(b, t, 1)),
                        m.create(msk, new Shape(b, t)), m.create(a, new Shape(b, 1)), m.create(oldLp, new Shape(b, t)), null, 6, b,
                        m.create(new float[] {1, 0}, new Shape(b, 1)));
                KernelResult r = kernel.loss(batch, kernel == python ? o.withKernel(Objective.Kernel.python()) : o);
                assertEquals(expected, r.loss().getFloat(), 1e-5, "loss by " + kernel.getClass().getSimpleName());
                assertEquals(gamma, r.monitors().get("off_policy_gamma"), 1e-5, "gamma by " + kernel.getClass().getSimpleName());
                assertEquals(-offLoss / 4, r.monitors().get("off_policy_shaped_ratio"), 1e-5, "mean shaped ratio");
            }
        }
    }

    @Test
    void offPolicyShapingMatchesFloat64ReferenceInValueAndGradientInPythonAndJava() {
        float[] off = {1, 0, 0, 1}; // rows 0 and 3 off-policy (row 3 with a fractional token weight), rows 1 and 2 on-policy
        double[] lp = KernelReference.tokenLogp(d(logits), targets, B, T, V);
        double[] ratios = new double[B * T], offMask = new double[B * T];
        for (int i = 0; i < B * T; i++) {
            ratios[i] = Math.exp(lp[i] - old[i]);
            offMask[i] = mask[i] * off[i / T];
        }
        for (double percentile : new double[] {0.9, 0.5}) {
            double gamma = KernelReference.quantile(ratios, offMask, percentile);
            Function<double[], Double> reference = x -> KernelReference.offPolicyGradient(x, targets, d(mask), d(adv), d(old), d(off), gamma,
                    B, T, V, 0.2, 0.28, totalTokens);
            Objective o = Objective.policyGradient(0.2, 0.28, 0, Objective.Averaging.TOKEN, 0).withOffPolicyPercentile(percentile);
            Map<String, Double> fromPython = check(python, o.withKernel(Objective.Kernel.python()), false, off, reference);
            Map<String, Double> fromJava = check(JAVA, o, false, off, reference);
            assertEquals(gamma, fromJava.get("off_policy_gamma"), 1e-5 * gamma);
            for (String m : new String[] {"off_policy_gamma", "off_policy_shaped_ratio", "ratio", "clip_fraction"})
                assertEquals(fromJava.get(m), fromPython.get(m), 1e-5, m + " differs between the Python and Java kernels");
        }
    }

    @Test
    void dpoEngineLossMatchesFloat64ReferenceInPythonAndJavaWhenTheStepHasMorePairsThanTheMicroBatch() {
        // Rows (0, 1) and (2, 3) are two pairs; the step is said to hold 6 rows, so this micro-batch carries 2 of 3 pairs.
        int stepRows = 6;
        Function<double[], Double> reference = x -> KernelReference.dpoRows(x, targets, d(mask), d(ref), B, T, V, 0.3, stepRows);
        Objective o = Objective.dpo(0.3, Objective.Reference.START);
        Map<String, Double> fromPython = check(python, o.withKernel(Objective.Kernel.python()), true, stepRows, reference);
        Map<String, Double> fromJava = check(JAVA, o, true, stepRows, reference);
        for (String m : new String[] {"reward_margin", "reward_accuracy", "chosen_reward", "rejected_reward"})
            assertEquals(fromJava.get(m), fromPython.get(m), 1e-5, m + " differs between the Python and Java kernels");
    }

    /**
     * Hand-computed: uniform logits over V = 7 make every token's log-probability -log 7. Pair 0: the chosen row has 6
     * completion tokens, the rejected 4, references -10 and -9 per row, so the margin is (-6 log 7 + 10) - (-4 log 7 + 9)
     * = 1 - 2 log 7 = -2.8918; pair 1 has equal sides and margin 0. With beta 0.5 the loss is the mean over pairs of
     * log(1 + exp(-beta margin)): (log(1 + exp(1.4459)) + log 2) / 2 = (1.6574 + 0.6931) / 2 = 1.1753.
     */
    @Test
    void dpoLossOnHandMadeLogProbabilitiesInPythonAndJava() {
        float[] handMask = new float[B * T], handRef = new float[B * T];
        for (int j = 0; j < T; j++) {
            handMask[j] = 1;
            handMask[T + j] = j >= 2 ? 1 : 0;
            handMask[2 * T + j] = j >= 3 ? 1 : 0;
            handMask[3 * T + j] = j >= 3 ? 1 : 0;
        }
        handRef[0] = -10;
        handRef[T + 2] = -9;
        double expected = (Math.log1p(Math.exp(-0.5 * (1 - 2 * Math.log(7)))) + Math.log(2)) / 2;
        assertEquals(1.1753, expected, 1e-4);
        for (LossKernel kernel : new LossKernel[] {python, JAVA}) {
            Objective o = Objective.dpo(0.5, Objective.Reference.BASE).withKernel(kernel == python ? Objective.Kernel.python() : Objective.Kernel.JAVA);
            try (NDManager m = manager.newSubManager()) {
                long[] tg = new long[B * T];
                KernelBatch batch = new KernelBatch(m.zeros(new Shape(B, T, V)), m.create(tg, new Shape(B, T, 1)),
                        m.create(handMask, new Shape(B, T)), m.ones(new Shape(B, 1)), null, m.create(handRef, new Shape(B, T)), 13, B);
                KernelResult r = kernel.loss(batch, o);
                assertEquals(expected, r.loss().getFloat(), 1e-5, "DPO loss by " + o.kernel());
                assertEquals(0.5 * (1 - 2 * Math.log(7)) / 2, r.monitors().get("reward_margin"), 1e-5, "mean beta * margin by " + o.kernel());
                assertEquals(0.0, r.monitors().get("reward_accuracy"), 1e-9, "no pair has a positive margin");
            }
        }
    }

    // ------------------------------------------------------------------ harness

    private Map<String, Double> check(LossKernel kernel, Objective objective, boolean withRef, Function<double[], Double> reference) {
        return check(kernel, objective, withRef, null, B, reference);
    }

    private Map<String, Double> check(LossKernel kernel, Objective objective, boolean withRef, int stepRows, Function<double[], Double> reference) {
        return check(kernel, objective, withRef, null, stepRows, reference);
    }

    private Map<String, Double> check(LossKernel kernel, Objective objective, boolean withRef, float[] offPolicy,
                                      Function<double[], Double> reference) {
        return check(kernel, objective, withRef, offPolicy, B, reference);
    }

    private Map<String, Double> check(LossKernel kernel, Objective objective, boolean withRef, float[] offPolicy, int stepRows,
                                      Function<double[], Double> reference) {
        return check(kernel, objective, withRef, offPolicy, stepRows, reference, null);
    }

    /** With per-row KL weights, every row on-policy. */
    private Map<String, Double> checkKlWeights(LossKernel kernel, Objective objective, Function<double[], Double> reference, float[] klWeights) {
        return check(kernel, objective, true, null, B, reference, klWeights);
    }

    /**
     * Runs an engine kernel on the batch with fresh logits (rows flagged in {@code offPolicy} off-policy, and each row's KL
     * weighted by {@code klWeights}, when given), compares value and d loss / d logits; returns its monitors.
     */
    private Map<String, Double> check(LossKernel kernel, Objective objective, boolean withRef, float[] offPolicy, int stepRows,
                                      Function<double[], Double> reference, float[] klWeights) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(logits, new Shape(B, T, V));
            x.setRequiresGradient(true);
            long[] tg = new long[B * T];
            for (int i = 0; i < tg.length; i++) tg[i] = targets[i];
            KernelResult r;
            JniUtils.setGradMode(true);
            try {
                KernelBatch batch = new KernelBatch(x, m.create(tg, new Shape(B, T, 1)), m.create(mask, new Shape(B, T)),
                        m.create(adv, new Shape(B, 1)), m.create(old, new Shape(B, T)), withRef ? m.create(ref, new Shape(B, T)) : null,
                        totalTokens, stepRows, offPolicy == null ? null : m.create(offPolicy, new Shape(B, 1)),
                        klWeights == null ? null : m.create(klWeights, new Shape(B, 1)));
                r = kernel.loss(batch, objective);
                JniUtils.backward((PtNDArray) r.loss(), (PtNDArray) r.loss().onesLike(), false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
            String what = objective.loss() + "/" + objective.averaging() + "/kl=" + objective.klCoef() + " by " + objective.kernel();
            double expected = reference.apply(d(logits));
            double value = r.loss().getFloat();
            assertTrue(Math.abs(value - expected) <= TOLERANCE * Math.abs(expected), what + ": value " + value + " vs reference " + expected);
            double[] grad = d(x.getGradient().toFloatArray());
            double[] refGrad = KernelReference.gradient(d(logits), reference::apply);
            for (int j = 2 * T * V; j < 3 * T * V; j++) assertEquals(0.0, grad[j], what + ": the empty row must get no gradient");
            double err = KernelReference.relativeError(grad, refGrad);
            assertTrue(err < TOLERANCE, what + ": gradient relative error " + err);
            return r.monitors();
        }
    }

    /** Runs {@code autodidact.kernels.<module>.<function>} on one differentiable input; checks value and gradient of sum(out * w). */
    private void checkFunction(String module, String function, Map<String, Object> options, float[] input, Shape shape, double[] w,
                               Function<double[], Double> scalarReference, double[] expectedValues, Function<NDArray, Object[]> args) {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(input, shape);
            x.setRequiresGradient(true);
            NDArray out;
            JniUtils.setGradMode(true);
            try {
                out = python.apply("autodidact.kernels." + module, function, options, args.apply(x));
                NDArray s = out.toType(DataType.FLOAT32, false).reshape(-1).mul(m.create(f(w))).sum();
                JniUtils.backward((PtNDArray) s, (PtNDArray) s.onesLike(), false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
            String what = module + "." + function + options;
            double err = KernelReference.relativeError(d(out.reshape(-1).toFloatArray()), expectedValues);
            assertTrue(err < TOLERANCE, what + ": value relative error " + err);
            double gerr = KernelReference.relativeError(d(x.getGradient().toFloatArray()), KernelReference.gradient(d(input), scalarReference::apply));
            assertTrue(gerr < TOLERANCE, what + ": gradient relative error " + gerr);
        }
    }

    private float[] gaussian(int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (scale * random.nextGaussian());
        return out;
    }

    private static double[] d(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    private static float[] f(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }
}
