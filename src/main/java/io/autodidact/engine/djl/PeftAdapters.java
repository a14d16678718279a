package io.autodidact.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.safetensors.DType;
import io.autodidact.engine.safetensors.SafetensorsFile;
import io.autodidact.engine.safetensors.SafetensorsWriter;
import io.autodidact.engine.safetensors.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * LoRA adapters in PEFT's directory layout, so {@code PeftModel.from_pretrained(base, dir)} loads what we write and we
 * load what PEFT writes: {@code adapter_config.json} and {@code adapter_model.safetensors} with tensors named
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} (the adapter name "default" dropped, as
 * PEFT's {@code save_pretrained} does).
 */
public final class PeftAdapters {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapters() {}

    /** Whether {@code dir} holds a PEFT adapter. */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    static void save(LoraAdapters adapters, Path dir, String baseModel) {
        LoraConfig c = adapters.config().orElseThrow(() -> new IllegalStateException("no LoRA adapters are attached; nothing to save"));
        try {
            Files.createDirectories(dir);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("peft_type", "LORA");
            m.put("task_type", "CAUSAL_LM");
            m.put("base_model_name_or_path", baseModel);
            m.put("r", c.rank());
            m.put("lora_alpha", c.alpha());
            m.put("lora_dropout", c.dropout());
            m.put("target_modules", c.targets());
            m.put("bias", "none");
            m.put("fan_in_fan_out", false);
            m.put("use_rslora", false);
            m.put("use_dora", false);
            m.put("init_lora_weights", true);
            m.put("inference_mode", true);
            m.put("modules_to_save", null);
            m.put("layers_to_transform", null);
            m.put("layers_pattern", null);
            m.put("rank_pattern", Map.of());
            m.put("alpha_pattern", Map.of());
            Files.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
            LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
            for (var e : adapters.tensors().entrySet()) {
                NDArray a = e.getValue();
                ByteBuffer bytes = ByteBuffer.wrap(a.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
                tensors.put(PREFIX + e.getKey(), new TensorData(DType.F32, a.getShape().getShape(), bytes));
            }
            SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write LoRA adapter to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The adapter's {@code base_model_name_or_path}, empty when absent or null. */
    public static Optional<String> baseModel(Path dir) {
        JsonNode n = readConfig(dir.resolve(CONFIG));
        JsonNode b = n.get("base_model_name_or_path");
        return b == null || b.isNull() || b.asText().isBlank() ? Optional.empty() : Optional.of(b.asText());
    }

    /** Reads {@code adapter_config.json}, refusing the PEFT variants this engine does not compute (DoRA, rsLoRA, biases...). */
    static LoraConfig readConfig(Path dir, LlamaConfig model) {
        Path file = dir.resolve(CONFIG);
        JsonNode n = readConfig(file);
        if (!n.path("peft_type").asText("LORA").equals("LORA"))
            throw new IllegalArgumentException(file + ": peft_type '" + n.path("peft_type").asText() + "' is not supported; only LORA");
        for (String flag : List.of("use_rslora", "use_dora", "fan_in_fan_out"))
            if (n.path(flag).asBoolean(false))
                throw new IllegalArgumentException(file + ": " + flag + " = true is not supported; only plain LoRA");
        if (!n.path("bias").asText("none").equals("none"))
            throw new IllegalArgumentException(file + ": bias '" + n.path("bias").asText() + "' is not supported; only none");
        for (String field : List.of("rank_pattern", "alpha_pattern", "modules_to_save", "layers_to_transform"))
            if (n.hasNonNull(field) && !n.get(field).isEmpty())
                throw new IllegalArgumentException(file + ": " + field + " is not supported; remove it or give every module the same rank");
        if (!n.hasNonNull("r")) throw new IllegalArgumentException(file + ": missing required field \"r\"");
        JsonNode t = n.path("target_modules");
        List<String> targets = new ArrayList<>();
        if (t.isTextual() && t.asText().equals("all-linear")) targets.addAll(LoraConfig.ALL_TARGETS);
        else if (t.isArray()) t.forEach(x -> targets.add(x.asText()));
        else throw new IllegalArgumentException(file + ": target_modules must be a list of module names or \"all-linear\", got " + t);
        List<String> ordered = LoraConfig.ALL_TARGETS.stream().filter(targets::contains).toList();
        if (ordered.size() != targets.size())
            throw new IllegalArgumentException(file + ": target_modules " + targets + " names modules a " + model.modelType()
                    + " model does not have; valid: " + LoraConfig.ALL_TARGETS);
        int r = n.get("r").asInt();
        return new LoraConfig(r, n.path("lora_alpha").asDouble(8), n.path("lora_dropout").asDouble(0), ordered);
    }

    private static JsonNode readConfig(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no " + CONFIG + " at " + file + "; not a PEFT adapter directory");
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable JSON (" + e.getMessage() + ")", e);
        }
    }

    /** Loads an adapter for {@code model} into {@code manager}; names and shapes must be exactly those the config implies. */
    static LoraAdapters load(Path dir, LlamaConfig model, NDManager manager) {
        LoraConfig c = readConfig(dir, model);
        Path file = dir.resolve(WEIGHTS);
        SafetensorsFile st;
        try {
            st = SafetensorsFile.open(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("LoRA adapter " + dir + ": " + e.getMessage(), e);
        }
        SequencedMap<String, Shape> expected = LoraAdapters.shapes(model, c);
        for (String name : st.names())
            if (!name.startsWith(PREFIX) || !expected.containsKey(name.substring(PREFIX.length())))
                throw new IllegalArgumentException(file + ": unexpected tensor '" + name + "' for target_modules " + c.targets());
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>();
        try {
            for (var e : expected.entrySet()) {
                String name = PREFIX + e.getKey();
                if (!st.contains(name)) throw new IllegalArgumentException(file + " lacks tensor '" + name + "' " + e.getValue());
                Shape shape = new Shape(st.info(name).shape());
                if (!shape.equals(e.getValue()))
                    throw new IllegalArgumentException(file + ": tensor '" + name + "' has shape " + shape + " but r = " + c.rank()
                            + " and the model imply " + e.getValue());
                tensors.put(e.getKey(), NativeArrays.of(manager, st.toFloatArray(name), shape));
            }
        } catch (RuntimeException e) {
            tensors.values().forEach(NDArray::close);
            throw e;
        }
        return new LoraAdapters(Optional.of(c), tensors);
    }
}
