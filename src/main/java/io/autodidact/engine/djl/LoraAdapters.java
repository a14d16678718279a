package io.autodidact.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * The A and B matrices of every adapted projection, named {@code <module>.lora_A.weight} and
 * {@code <module>.lora_B.weight} where {@code <module>} is the projection's Hugging Face name
 * (e.g. {@code model.layers.0.self_attn.q_proj}); PEFT's file names are these with {@code base_model.model.} in front.
 * An instance without a config adapts nothing.
 */
final class LoraAdapters implements AutoCloseable {
    static final String A = ".lora_A.weight";
    static final String B = ".lora_B.weight";

    private final Optional<LoraConfig> config;
    private final SequencedMap<String, NDArray> tensors;

    LoraAdapters(Optional<LoraConfig> config, SequencedMap<String, NDArray> tensors) {
        this.config = config;
        this.tensors = tensors;
    }

    static LoraAdapters none() {
        return new LoraAdapters(Optional.empty(), new LinkedHashMap<>());
    }

    /**
     * Fresh adapters as PEFT initialises them: A uniform in ±1/sqrt(in) (kaiming-uniform with a = sqrt 5), B zero, so
     * the adapted model starts out computing exactly what the base model computes. A is drawn on the host from
     * {@code seed}, so it does not depend on libtorch's generator state.
     */
    static LoraAdapters initialize(LlamaConfig model, LoraConfig lora, NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x10_4A_0A_D4_97E5L);
        SequencedMap<String, NDArray> t = new LinkedHashMap<>();
        for (var e : shapes(model, lora).entrySet()) {
            Shape shape = e.getValue();
            if (e.getKey().endsWith(B)) {
                t.put(e.getKey(), manager.zeros(shape));
                continue;
            }
            long in = shape.get(1);
            double bound = 1 / Math.sqrt(in);
            float[] a = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < a.length; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            t.put(e.getKey(), NativeArrays.of(manager, a, shape));
        }
        return new LoraAdapters(Optional.of(lora), t);
    }

    /** Names and shapes of A and B for every targeted projection of every layer, in layer order. */
    static SequencedMap<String, Shape> shapes(LlamaConfig model, LoraConfig lora) {
        SequencedMap<String, Shape> out = new LinkedHashMap<>();
        for (var e : LlamaModel.weightShapes(model).entrySet()) {
            String name = e.getKey();
            if (!name.endsWith("_proj.weight")) continue;
            String module = name.substring(0, name.length() - ".weight".length());
            if (!lora.targets().contains(module.substring(module.lastIndexOf('.') + 1))) continue;
            long outDim = e.getValue().get(0), inDim = e.getValue().get(1);
            out.put(module + A, new Shape(lora.rank(), inDim));
            out.put(module + B, new Shape(outDim, lora.rank()));
        }
        return out;
    }

    Optional<LoraConfig> config() {
        return config;
    }

    boolean isEmpty() {
        return tensors.isEmpty();
    }

    SequencedMap<String, NDArray> tensors() {
        return tensors;
    }

    List<NDArray> parameters() {
        return new ArrayList<>(tensors.values());
    }

    boolean adapts(String module) {
        return tensors.containsKey(module + A);
    }

    /** {@code (alpha / rank) B A dropout(x)} for the projection {@code module}; dropout only while training. */
    NDArray delta(String module, NDArray x, boolean training) {
        LoraConfig c = config.orElseThrow();
        NDArray in = training && c.dropout() > 0 ? Dropout.dropout(x, (float) c.dropout(), true).singletonOrThrow() : x;
        NDArray down = Linear.linear(in, tensors.get(module + A), null).singletonOrThrow();
        return NativeArrays.mul(Linear.linear(down, tensors.get(module + B), null).singletonOrThrow(), c.scale());
    }

    /** {@code (alpha / rank) B A}: what the adapter adds to the weight of {@code module} (a new array). */
    NDArray update(String module) {
        return NativeArrays.mul(tensors.get(module + B).matMul(tensors.get(module + A)), config.orElseThrow().scale());
    }

    /** {@code W + (alpha / rank) B A} for the projection {@code module} (a new array). */
    NDArray merged(String module, NDArray weight) {
        try (NDArray u = update(module)) {
            return weight.add(u);
        }
    }

    /** The modules this instance adapts, e.g. {@code model.layers.0.self_attn.q_proj}. */
    List<String> modules() {
        List<String> out = new ArrayList<>();
        for (String name : tensors.keySet()) if (name.endsWith(A)) out.add(name.substring(0, name.length() - A.length()));
        return out;
    }

    LoraAdapters copyTo(NDManager target) {
        SequencedMap<String, NDArray> t = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue().duplicate();
            a.attach(target);
            t.put(e.getKey(), a);
        }
        return new LoraAdapters(config, t);
    }

    @Override
    public void close() {
        new NDList(tensors.values().toArray(NDArray[]::new)).close();
    }
}
