package io.autodidact.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * One Llama-family decoder over DJL NDArrays: RMSNorm, SwiGLU, rotary positions (rotate-half, as
 * transformers), grouped-query attention, optional q/k/v bias (Qwen2) and q/k norm (Qwen3). Weights are
 * held under Hugging Face's names so a checkpoint maps onto them one to one. The built-in demo model is a
 * tiny configuration of this class; there is no second model path.
 *
 * <p>Rows of a batch may have different lengths: prompts are left-padded, and each row carries its own
 * positions and key mask, so padding never changes what a row computes.
 */
public final class LlamaModel implements AutoCloseable {
    private static final float MASKED = -1e9f;

    private final LlamaConfig config;
    private final NDManager manager;
    private final SequencedMap<String, NDArray> weights;
    private final NDArray cos;
    private final NDArray sin;
    private LoraAdapters adapters = LoraAdapters.none();

    LlamaModel(LlamaConfig config, NDManager manager, SequencedMap<String, NDArray> weights) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        float[][] tables = ropeTables(config);
        int rows = config.maxPositionEmbeddings(), d = config.headDim();
        this.cos = NativeArrays.of(manager, tables[0], new Shape(rows, d));
        this.sin = NativeArrays.of(manager, tables[1], new Shape(rows, d));
    }

    /**
     * Fresh weights drawn N(0, 0.02) for matrices, ones for norms, zeros for biases. Drawn in Java from a
     * stream seeded per weight, not from libtorch's process-wide generator, so the same seed gives the same
     * model whatever else the process is doing (other runs, other threads).
     */
    public static LlamaModel initialize(LlamaConfig config, NDManager manager, long seed) {
        SequencedMap<String, NDArray> w = new LinkedHashMap<>();
        for (var e : weightShapes(config).entrySet()) {
            String name = e.getKey();
            Shape shape = e.getValue();
            NDArray a;
            if (name.endsWith("norm.weight")) a = manager.ones(shape);
            else if (name.endsWith(".bias")) a = manager.zeros(shape);
            else {
                java.util.SplittableRandom random = new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
                float[] values = new float[Math.toIntExact(shape.size())];
                for (int i = 0; i < values.length; i++) values[i] = (float) (0.02 * random.nextGaussian());
                a = NativeArrays.of(manager, values, shape);
            }
            w.put(name, a);
        }
        return new LlamaModel(config, manager, w);
    }


    /** Wraps given weights (e.g. loaded from safetensors); names and shapes must be exactly those of the config. */
    public static LlamaModel of(LlamaConfig config, NDManager manager, SequencedMap<String, NDArray> weights) {
        Map<String, Shape> expected = weightShapes(config);
        for (var e : expected.entrySet()) {
            NDArray a = weights.get(e.getKey());
            if (a == null) throw new IllegalArgumentException("missing weight '" + e.getKey() + "' " + e.getValue());
            if (!a.getShape().equals(e.getValue()))
                throw new IllegalArgumentException("weight '" + e.getKey() + "' has shape " + a.getShape()
                        + " but the config needs " + e.getValue());
        }
        for (String name : weights.keySet())
            if (!expected.containsKey(name))
                throw new IllegalArgumentException("unexpected weight '" + name + "' for a " + config.modelType() + " model");
        SequencedMap<String, NDArray> ordered = new LinkedHashMap<>();
        for (String name : expected.keySet()) ordered.put(name, weights.get(name));
        return new LlamaModel(config, manager, ordered);
    }

    /** The weights this config needs, in a stable order, with Hugging Face names and shapes ([out, in] for linears). */
    public static SequencedMap<String, Shape> weightShapes(LlamaConfig c) {
        SequencedMap<String, Shape> s = new LinkedHashMap<>();
        long h = c.hiddenSize(), q = (long) c.numAttentionHeads() * c.headDim(), kv = (long) c.numKeyValueHeads() * c.headDim();
        s.put("model.embed_tokens.weight", new Shape(c.vocabSize(), h));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            s.put(p + "input_layernorm.weight", new Shape(h));
            s.put(p + "self_attn.q_proj.weight", new Shape(q, h));
            s.put(p + "self_attn.k_proj.weight", new Shape(kv, h));
            s.put(p + "self_attn.v_proj.weight", new Shape(kv, h));
            if (c.attentionBias()) {
                s.put(p + "self_attn.q_proj.bias", new Shape(q));
                s.put(p + "self_attn.k_proj.bias", new Shape(kv));
                s.put(p + "self_attn.v_proj.bias", new Shape(kv));
            }
            if (c.qkNorm()) {
                s.put(p + "self_attn.q_norm.weight", new Shape(c.headDim()));
                s.put(p + "self_attn.k_norm.weight", new Shape(c.headDim()));
            }
            s.put(p + "self_attn.o_proj.weight", new Shape(h, q));
            s.put(p + "post_attention_layernorm.weight", new Shape(h));
            s.put(p + "mlp.gate_proj.weight", new Shape(c.intermediateSize(), h));
            s.put(p + "mlp.up_proj.weight", new Shape(c.intermediateSize(), h));
            s.put(p + "mlp.down_proj.weight", new Shape(h, c.intermediateSize()));
        }
        s.put("model.norm.weight", new Shape(h));
        if (!c.tieWordEmbeddings()) s.put("lm_head.weight", new Shape(c.vocabSize(), h));
        return s;
    }

    public LlamaConfig config() {
        return config;
    }

    /** The live weights (trainable leaves). */
    public SequencedMap<String, NDArray> weights() {
        return weights;
    }

    public NDManager manager() {
        return manager;
    }

    /** The LoRA configuration in use, if adapters are attached. */
    public java.util.Optional<LoraConfig> lora() {
        return adapters.config();
    }

    LoraAdapters adapters() {
        return adapters;
    }

    /** Attaches adapters (replacing and closing any attached before); {@link LoraAdapters#none()} detaches. */
    void setAdapters(LoraAdapters value) {
        if (value != adapters) adapters.close();
        adapters = value;
    }

    /** Adds every adapter's {@code (alpha / rank) B A} into its base weight in place and detaches the adapters. */
    void mergeAdapters() {
        for (String module : adapters.modules()) {
            NDArray w = weights.get(module + ".weight");
            try (NDArray update = adapters.update(module)) {
                w.addi(update);
            }
        }
        setAdapters(LoraAdapters.none());
    }

    /**
     * Every weight with the adapters merged in, for writing a checkpoint: adapted projections as new arrays in
     * {@code target} (close it when done), the others as the live arrays themselves (read only, never copied).
     */
    SequencedMap<String, NDArray> mergedWeights(NDManager target) {
        SequencedMap<String, NDArray> out = new LinkedHashMap<>();
        for (var e : weights.entrySet()) {
            String name = e.getKey();
            String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
            NDArray a = e.getValue();
            if (adapters.adapts(module)) {
                a = adapters.merged(module, a);
                a.attach(target);
            }
            out.put(name, a);
        }
        return out;
    }

    /**
     * Logits for {@code tokens} [B, T] (int64). {@code positions} [B, T] gives each token's rotary position;
     * {@code keyMask} [B, S] is 1 where a key may be attended (S = cache length or T without a cache).
     * With a cache, the new keys/values are written at {@code [offset, offset + T)} and attention spans
     * the cache's first {@code offset + T} slots.
     */
    public NDArray forward(NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache, int offset) {
        return forward(tokens, positions, keyMask, cache, offset, false);
    }

    /** As {@link #forward(NDArray, NDArray, NDArray, KvCache, int)}; {@code training} turns on the adapters' dropout. */
    NDArray forward(NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache, int offset, boolean training) {
        return head(hidden(tokens, positions, keyMask, cache, offset, training));
    }

    /**
     * The logits [B, V] of each row's last position only: what decoding samples from. The head is the largest matmul
     * of a step (vocab x hidden), so a prompt's other positions are not sent through it.
     */
    NDArray lastLogits(NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache, int offset) {
        return head(hidden(tokens, positions, keyMask, cache, offset, false).get(new NDIndex(":, -1, :")));
    }

    private NDArray head(NDArray x) {
        NDArray head = config.tieWordEmbeddings() ? weights.get("model.embed_tokens.weight") : weights.get("lm_head.weight");
        return Linear.linear(x, head, null).singletonOrThrow();
    }

    /** The final normed hidden states [B, T, hidden]. */
    private NDArray hidden(NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache, int offset, boolean training) {
        long b = tokens.getShape().get(0), t = tokens.getShape().get(1);
        int nh = config.numAttentionHeads(), nkv = config.numKeyValueHeads(), hd = config.headDim(), g = config.kvGroups();
        long span = cache == null ? t : offset + t;

        NDArray cosB = Embedding.embedding(positions, cos, SparseFormat.DENSE).singletonOrThrow().expandDims(1); // [B,1,T,hd]
        NDArray sinB = Embedding.embedding(positions, sin, SparseFormat.DENSE).singletonOrThrow().expandDims(1);
        NDArray mask = attentionMask(keyMask, b, t, span, offset);

        NDArray x = Embedding.embedding(tokens, weights.get("model.embed_tokens.weight"), SparseFormat.DENSE).singletonOrThrow();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            NDArray h = rmsNorm(x, weights.get(p + "input_layernorm.weight"));
            NDArray q = linear(h, p + "self_attn.q_proj", training).reshape(b, t, nh, hd);
            NDArray k = linear(h, p + "self_attn.k_proj", training).reshape(b, t, nkv, hd);
            NDArray v = linear(h, p + "self_attn.v_proj", training).reshape(b, t, nkv, hd);
            if (config.qkNorm()) {
                q = rmsNorm(q, weights.get(p + "self_attn.q_norm.weight"));
                k = rmsNorm(k, weights.get(p + "self_attn.k_norm.weight"));
            }
            q = rope(q.transpose(0, 2, 1, 3), cosB, sinB);
            k = rope(k.transpose(0, 2, 1, 3), cosB, sinB);
            v = v.transpose(0, 2, 1, 3);
            if (cache != null) {
                cache.write(i, k, v, offset);
                k = cache.keys(i, span);
                v = cache.values(i, span);
            }
            // Grouped-query attention without copying K/V: the g query heads that share a KV head are
            // stacked along the time axis, so one matmul per KV head serves them all.
            NDArray qg = q.reshape(b, nkv, g * t, hd);
            NDArray scores = NativeArrays.mul(qg.matMul(k.transpose(0, 1, 3, 2)).reshape(b, nkv, g, t, span), 1.0 / Math.sqrt(hd)).add(mask).softmax(-1).reshape(b, nkv, g * t, span);
            NDArray att = scores.matMul(v).reshape(b, nh, t, hd).transpose(0, 2, 1, 3).reshape(b, t, (long) nh * hd);
            x = x.add(linear(att, p + "self_attn.o_proj", training));
            NDArray h2 = rmsNorm(x, weights.get(p + "post_attention_layernorm.weight"));
            NDArray gate = linear(h2, p + "mlp.gate_proj", training);
            NDArray up = linear(h2, p + "mlp.up_proj", training);
            NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
            x = x.add(linear(act, p + "mlp.down_proj", training));
        }
        return rmsNorm(x, weights.get("model.norm.weight"));
    }

    private NDArray linear(NDArray x, String prefix, boolean training) {
        NDArray bias = weights.get(prefix + ".bias");
        NDArray out = Linear.linear(x, weights.get(prefix + ".weight"), bias).singletonOrThrow();
        return adapters.adapts(prefix) ? out.add(adapters.delta(prefix, x, training)) : out;
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(config.rmsNormEps()).sqrt()).mul(weight);
    }

    private static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Additive mask [B, 1, 1, T, S] (batch, kv head, group, query, key): query t (cache slot offset + t)
     * may see key slot s when s <= offset + t and the key is not padding.
     */
    private NDArray attentionMask(NDArray keyMask, long b, long t, long span, int offset) {
        float[] causal = new float[(int) (t * span)];
        for (int i = 0; i < t; i++)
            for (int s = 0; s < span; s++) causal[(int) (i * span + s)] = s <= offset + i ? 0f : MASKED;
        NDManager m = keyMask.getManager();
        NDArray c = NativeArrays.of(m, causal, new Shape(1, 1, 1, t, span));
        NDArray pad = keyMask.toType(DataType.FLOAT32, false).sub(1).mul(-MASKED).reshape(b, 1, 1, 1, span);
        return c.add(pad);
    }

    static float[][] ropeTables(LlamaConfig c) {
        int d = c.headDim(), rows = c.maxPositionEmbeddings();
        float[] cos = new float[rows * d], sin = new float[rows * d];
        double[] inv = c.ropeScaling().invFreq(c.ropeTheta(), d);
        for (int i = 0; i < d / 2; i++) {
            double invFreq = inv[i];
            for (int p = 0; p < rows; p++) {
                // Computed as transformers does, in float32, so logits match it to 1e-5.
                float angle = (float) p * (float) invFreq;
                float cv = (float) Math.cos(angle), sv = (float) Math.sin(angle);
                cos[p * d + i] = cv;
                cos[p * d + i + d / 2] = cv;
                sin[p * d + i] = sv;
                sin[p * d + i + d / 2] = sv;
            }
        }
        return new float[][] {cos, sin};
    }

    /** A deep copy of the weights into another manager (for forks and checkpoints). */
    public LlamaModel copyTo(NDManager target) {
        SequencedMap<String, NDArray> w = new LinkedHashMap<>();
        for (var e : weights.entrySet()) {
            NDArray a = e.getValue().duplicate();
            a.attach(target);
            w.put(e.getKey(), a);
        }
        LlamaModel copy = new LlamaModel(config, target, w);
        if (!adapters.isEmpty()) copy.setAdapters(adapters.copyTo(target));
        return copy;
    }

    public List<NDArray> parameters() {
        return new ArrayList<>(weights.values());
    }

    /** What training updates: the adapters when attached (the base weights are then frozen), else every weight. */
    public List<NDArray> trainableParameters() {
        return adapters.isEmpty() ? parameters() : adapters.parameters();
    }

    /**
     * {@link #trainableParameters()} by name: the adapters ({@code model.layers.0.self_attn.q_proj.lora_A.weight}, ...) when
     * attached, else every weight. What a weight sync moves: training changes nothing else.
     */
    public SequencedMap<String, NDArray> trainableWeights() {
        return adapters.isEmpty() ? weights : adapters.tensors();
    }

    @Override
    public void close() {
        NDList all = new NDList(weights.values().toArray(NDArray[]::new));
        all.close();
        adapters.close();
        cos.close();
        sin.close();
    }
}
