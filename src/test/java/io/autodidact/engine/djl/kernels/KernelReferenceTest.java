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
            check(python, o.withKernel(Objective.Kernel.python()), true, reference, klWeights);
            check(JAVA, o, true, reference, klWeights);
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

    // ------------------------------------------------------------------ harness

    /** Runs an engine kernel on the batch with fresh logits, compares value and d loss / d logits; returns its monitors. */
    private Map<String, Double> check(LossKernel kernel, Objective objective, boolean withRef, Function<double[], Double> reference) {
        return check(kernel, objective, withRef, reference, null);
    }

    /** As above, with per-row KL weights (null: none). */
    private Map<String, Double> check(LossKernel kernel, Objective objective, boolean withRef, Function<double[], Double> reference,
                                      float[] klWeights) {
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
                        totalTokens, B, klWeights == null ? null : m.create(klWeights, new Shape(B, 1)));
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
