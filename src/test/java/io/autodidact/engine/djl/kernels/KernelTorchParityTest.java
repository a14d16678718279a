package io.autodidact.engine.djl.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.Objective;
import io.autodidact.python.PythonRuntime;
import io.autodidact.testing.TorchPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kernel computed twice on the same random inputs (a mask with an empty row and a fractional weight): by GraalPy over
 * DJL in this JVM, and by CPython over PyTorch tensors (autodidact.worker.xp_torch, the GPU worker's array namespace) in
 * /usr/bin/python3. Values, gradients and monitors agree to a relative 1e-5 (float32 on both sides).
 */
class KernelTorchParityTest {
    private static final int B = 4, T = 6, V = 7;
    private static final double TOLERANCE = 1e-5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Random random = new Random(11);
    private final float[] logits = gaussian(B * T * V, 2.0);
    private final long[] targets = new long[B * T];
    private final float[] mask = new float[B * T];
    private final float[] adv = gaussian(B, 1.0);
    private final float[] old = new float[B * T];
    private final float[] ref = new float[B * T];
    private final int totalTokens;

    /** One case: what both sides compute, and what GraalPy over DJL got. */
    private record Case(Map<String, Object> spec, double[] value, double[] grad, Map<String, Double> monitors) {}

    KernelTorchParityTest() {
        for (int i = 0; i < B * T; i++) targets[i] = random.nextInt(V);
        int count = 0;
        for (int j = 0; j < T; j++) {
            mask[j] = 1;
            mask[T + j] = j >= 2 ? 1 : 0;              // a prompt of 2, then completion
            mask[3 * T + j] = j >= 1 ? (j == 3 ? 0.5f : 1) : 0; // row 2 stays empty; row 3 has a fractional weight
        }
        for (float m : mask) if (m > 0) count++;
        totalTokens = count;
        for (int i = 0; i < B * T; i++) {
            old[i] = (float) (-2.0 + 0.8 * random.nextGaussian()); // ratios on both sides of the clip range
            ref[i] = (float) (-2.0 + 0.8 * random.nextGaussian());
        }
    }

    @Test
    void everyKernelGivesTheSameValueGradientAndMonitorsOnTorchAsOnGraalPyOverDjl(@TempDir Path dir) throws Exception {
        TorchPython.assumeTorch();
        List<Case> cases = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(); PythonKernel python = new PythonKernel(PythonRuntime.shared())) {
            cases.add(call(manager, python, "sft", Objective.sft(), false, null, null, B));
            String[] averaging = {"TOKEN", "SEQUENCE", "CONSTANT"};
            for (String a : averaging)
                for (double kl : new double[] {0.0, 0.1})
                    cases.add(call(manager, python, "pg-" + a + "-kl" + kl,
                            Objective.policyGradient(0.2, 0.28, kl, Objective.Averaging.valueOf(a), 8), kl > 0, null, null, B));
            cases.add(call(manager, python, "pg-off-policy", Objective.policyGradient(0.2, 0.28, 0, Objective.Averaging.TOKEN, 0)
                    .withOffPolicyPercentile(0.9), false, new float[] {1, 0, 0, 1}, null, B));
            cases.add(call(manager, python, "pg-kl-weights", Objective.policyGradient(0.2, 0.2, 0.1, Objective.Averaging.SEQUENCE, 8),
                    true, null, new float[] {10, 1, 3, 0}, B));
            cases.add(call(manager, python, "dpo", Objective.dpo(0.3, Objective.Reference.START), true, null, null, 6));

            int g = 3, k = 5;
            float[] rewards = new float[g * k];
            for (int i = 0; i < rewards.length; i++) rewards[i] = random.nextInt(2) + 0.3f * (float) random.nextGaussian();
            for (String method : new String[] {"grpo", "drgrpo", "rloo"})
                cases.add(apply(manager, python, "advantages-" + method, "advantages", "group_advantages", Map.of("method", method),
                        List.of(array(rewards, g, k))));
            cases.add(apply(manager, python, "self-certainty", "certainty", "self_certainty", Map.of(),
                    List.of(array(logits, B, T, V), array(mask, B, T))));
            cases.add(apply(manager, python, "token-entropy", "losses", "token_entropy", Map.of(), List.of(array(logits, B, T, V))));
            int p = 6;
            cases.add(apply(manager, python, "dpo-loss", "losses", "dpo_loss", Map.of("beta", 0.5),
                    List.of(array(gaussian(p, 3.0), p), array(gaussian(p, 3.0), p), array(gaussian(p, 3.0), p), array(gaussian(p, 3.0), p))));
            float[] x = gaussian(B * T, 1.0);
            cases.add(apply(manager, python, "masked-mean-rows", "xp", "mean", Map.of(), List.of(array(x, B, T), 1, false, array(mask, B, T))));
            cases.add(apply(manager, python, "masked-mean-broadcast", "xp", "mean", Map.of(),
                    List.of(array(x, B, T), 1, false, array(new float[] {1, 0, 0.5f, 1}, B, 1))));
            cases.add(apply(manager, python, "masked-sum-all", "xp", "sum", Map.of(), List.of(array(x, B, T), "none", false, array(mask, B, T))));
            cases.add(apply(manager, python, "std-sample", "xp", "std", Map.of("correction", 1), List.of(array(x, B, T), 1, true)));
        }

        Path in = dir.resolve("cases.json"), out = dir.resolve("results.json");
        JSON.writeValue(in.toFile(), Map.of("cases", cases.stream().map(Case::spec).toList()));
        TorchPython.run(120, List.of("src/test/python/torch_worker/kernel_parity.py", in.toString(), out.toString()), Map.of())
                .orThrow("kernel_parity.py");
        JsonNode results = JSON.readTree(out.toFile());
        for (Case c : cases) {
            String name = (String) c.spec().get("name");
            JsonNode r = results.get(name);
            assertTrue(r != null, "torch gave no result for " + name);
            double valueErr = KernelReference.relativeError(doubles(r.get("value")), c.value());
            assertTrue(valueErr < TOLERANCE, name + ": value relative error " + valueErr);
            double gradErr = KernelReference.relativeError(doubles(r.get("grad")), c.grad());
            assertTrue(gradErr < TOLERANCE, name + ": gradient relative error " + gradErr);
            assertEquals(c.monitors().keySet(), mapOf(r.get("monitors")).keySet(), name + ": monitor names");
            c.monitors().forEach((m, v) -> {
                double err = KernelReference.relativeError(new double[] {mapOf(r.get("monitors")).get(m)}, new double[] {v});
                assertTrue(err < TOLERANCE, name + ": monitor " + m + " is " + mapOf(r.get("monitors")).get(m) + " on torch, " + v + " on DJL");
            });
        }
        assertTrue(cases.get(1).monitors().get("clip_fraction") > 0 && cases.get(1).monitors().get("clip_fraction") < 1,
                "the inputs should clip some tokens and not others: " + cases.get(1).monitors());
    }

    /** A loss through PythonKernel (engine.call on GraalPy): its value, d loss / d logits and monitors. */
    private Case call(NDManager manager, PythonKernel python, String name, Objective objective, boolean withRef, float[] offPolicy,
                      float[] klWeights, int stepRows) throws Exception {
        Objective o = objective.withKernel(Objective.Kernel.python());
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(logits, new Shape(B, T, V));
            x.setRequiresGradient(true);
            KernelResult r;
            JniUtils.setGradMode(true);
            try {
                KernelBatch batch = new KernelBatch(x, m.create(targets, new Shape(B, T, 1)), m.create(mask, new Shape(B, T)),
                        m.create(adv, new Shape(B, 1)), m.create(old, new Shape(B, T)), withRef ? m.create(ref, new Shape(B, T)) : null,
                        totalTokens, stepRows, offPolicy == null ? null : m.create(offPolicy, new Shape(B, 1)),
                        klWeights == null ? null : m.create(klWeights, new Shape(B, 1)));
                r = python.loss(batch, o);
                JniUtils.backward((PtNDArray) r.loss(), (PtNDArray) r.loss().onesLike(), false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
            List<Object> args = new ArrayList<>(List.of(array(logits, B, T, V), array(targets, B, T, 1), array(mask, B, T), array(adv, B, 1),
                    array(old, B, T)));
            args.add(withRef ? array(ref, B, T) : null);
            args.add(totalTokens);
            args.add(stepRows);
            args.add(offPolicy == null ? null : array(offPolicy, B, 1));
            args.add(klWeights == null ? null : array(klWeights, B, 1));
            String function = switch (o.loss()) {
                case SFT -> "sft";
                case POLICY_GRADIENT -> "policy_gradient";
                case DPO -> "dpo";
            };
            Map<String, Object> spec = spec(name, "call", "autodidact.kernels.losses", function, o.kernelOptions(), args);
            return new Case(spec, new double[] {r.loss().getFloat()}, d(x.getGradient().toFloatArray()), r.monitors());
        }
    }

    /**
     * {@code autodidact.kernels.<module>.<function>(*args, **options)} through PythonKernel.apply: its output and the gradient of
     * sum(output * w), w random, with respect to the first argument. Array arguments are specs from {@link #array}.
     */
    private Case apply(NDManager manager, PythonKernel python, String name, String module, String function, Map<String, Object> options,
                       List<Object> args) throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Object[] host = new Object[args.size()];
            for (int i = 0; i < host.length; i++) host[i] = toHost(m, args.get(i));
            NDArray x = (NDArray) host[0];
            x.setRequiresGradient(true);
            NDArray out;
            float[] w;
            JniUtils.setGradMode(true);
            try {
                out = python.apply("autodidact.kernels." + module, function, options, host);
                w = gaussian((int) out.size(), 1.0);
                NDArray s = out.toType(DataType.FLOAT32, false).reshape(-1).mul(m.create(w)).sum();
                JniUtils.backward((PtNDArray) s, (PtNDArray) s.onesLike(), false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
            Map<String, Object> spec = spec(name, "apply", "autodidact.kernels." + module, function, options, args);
            spec.put("weights", w);
            return new Case(spec, d(out.toType(DataType.FLOAT32, false).reshape(-1).toFloatArray()), d(x.getGradient().toFloatArray()), Map.of());
        }
    }

    private static Map<String, Object> spec(String name, String kind, String module, String function, Map<String, Object> options,
                                            List<Object> args) throws Exception {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", name);
        spec.put("kind", kind);
        spec.put("module", module);
        spec.put("function", function);
        spec.put("options", JSON.writeValueAsString(options));
        // "none" stands for Python's None in an argument list (xp's axis=None); null for an absent array.
        spec.put("args", args.stream().map(a -> "none".equals(a) ? null : a).toList());
        return spec;
    }

    private static Object toHost(NDManager m, Object arg) {
        if (arg instanceof Map<?, ?> a) {
            long[] shape = (long[]) a.get("shape");
            return a.get("data") instanceof float[] f ? m.create(f, new Shape(shape)) : m.create((long[]) a.get("data"), new Shape(shape));
        }
        return "none".equals(arg) ? null : arg;
    }

    private static Map<String, Object> array(float[] data, long... shape) {
        return Map.of("shape", shape, "dtype", "float32", "data", data);
    }

    private static Map<String, Object> array(long[] data, long... shape) {
        return Map.of("shape", shape, "dtype", "int64", "data", data);
    }

    private static double[] doubles(JsonNode node) {
        double[] out = new double[node.size()];
        for (int i = 0; i < out.length; i++) out[i] = node.get(i).asDouble();
        return out;
    }

    private static Map<String, Double> mapOf(JsonNode node) {
        Map<String, Double> out = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        return out;
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
}
