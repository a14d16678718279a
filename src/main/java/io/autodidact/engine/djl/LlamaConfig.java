package io.autodidact.engine.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The architecture of a Llama-family decoder (Llama, Qwen2, Qwen3 differ only by flags here), with
 * the field names of Hugging Face's {@code config.json} so checkpoints move both ways unchanged.
 *
 * @param ropeScaling how rotary frequencies derive from rope_theta (default or llama3)
 * @param attentionBias q/k/v projections carry a bias (Qwen2)
 * @param qkNorm per-head RMSNorm on queries and keys before rotary positions (Qwen3)
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean qkNorm) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public LlamaConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0)
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for rotary positions, got " + headDim);
        if (!(rmsNormEps > 0)) throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
        if (!(ropeTheta > 0)) throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
        java.util.Objects.requireNonNull(ropeScaling, "ropeScaling must not be null; use RopeScaling.none() for default rotary positions");
        if (!Set.of("llama", "qwen2", "qwen3").contains(modelType))
            throw new IllegalArgumentException("model_type '" + modelType + "' is not supported; use llama, qwen2 or qwen3");
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }

    /** A small Llama of the given width and depth (head_dim 16 or width/heads), for built-in tasks and tests. */
    public static LlamaConfig tiny(int vocabSize, int hidden, int layers, int heads, int kvHeads, int context) {
        int intermediate = ((hidden * 8 / 3) + 7) / 8 * 8;
        return new LlamaConfig("llama", vocabSize, hidden, intermediate, layers, heads, kvHeads, hidden / heads, context,
                1e-6, 10000, RopeScaling.none(), false, false, false);
    }

    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    public long parameterCount() {
        long h = hiddenSize, q = (long) numAttentionHeads * headDim, kv = (long) numKeyValueHeads * headDim;
        long attn = h * q + 2 * h * kv + q * h + (attentionBias ? q + 2 * kv : 0) + (qkNorm ? 2L * headDim : 0);
        long mlp = 3 * h * intermediateSize;
        long layer = attn + mlp + 2 * h;
        long embed = (long) vocabSize * h;
        return embed * (tieWordEmbeddings ? 1 : 2) + numHiddenLayers * layer + h;
    }

    // Fields we understand but that change nothing in this implementation's math.
    private static final Set<String> IGNORED = Set.of(
            "architectures", "torch_dtype", "dtype", "transformers_version", "bos_token_id", "eos_token_id",
            "pad_token_id", "hidden_act", "initializer_range", "use_cache", "attention_dropout", "mlp_bias",
            "pretraining_tp", "use_sliding_window", "sliding_window", "max_window_layers", "layer_types",
            "rope_scaling", "rope_parameters", "rope_theta", "model_type", "autodidact");

    private static final Set<String> USED = Set.of(
            "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps", "tie_word_embeddings",
            "attention_bias");

    /** Reads a Hugging Face {@code config.json}; fields that would change the math and are unknown are refused. */
    public static LlamaConfig read(Path configJson) {
        JsonNode n;
        try {
            n = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(configJson + ": not readable JSON (" + e.getMessage() + ")", e);
        }
        Set<String> unknown = new TreeSet<>();
        n.fieldNames().forEachRemaining(f -> {
            if (!IGNORED.contains(f) && !USED.contains(f)) unknown.add(f);
        });
        if (!unknown.isEmpty())
            throw new IllegalArgumentException(configJson + ": unsupported fields " + unknown
                    + "; this engine implements the llama, qwen2 and qwen3 architectures");
        String type = text(n, "model_type", configJson);
        if (n.hasNonNull("hidden_act") && !n.get("hidden_act").asText().equals("silu"))
            throw new IllegalArgumentException(configJson + ": hidden_act '" + n.get("hidden_act").asText() + "' is not supported; only silu");
        double theta = ropeTheta(n, configJson);
        RopeScaling scaling = ropeScaling(n, configJson);
        int hidden = integer(n, "hidden_size", configJson);
        int heads = integer(n, "num_attention_heads", configJson);
        return new LlamaConfig(
                type,
                integer(n, "vocab_size", configJson),
                hidden,
                integer(n, "intermediate_size", configJson),
                integer(n, "num_hidden_layers", configJson),
                heads,
                n.hasNonNull("num_key_value_heads") ? n.get("num_key_value_heads").asInt() : heads,
                n.hasNonNull("head_dim") ? n.get("head_dim").asInt() : hidden / heads,
                integer(n, "max_position_embeddings", configJson),
                n.hasNonNull("rms_norm_eps") ? n.get("rms_norm_eps").asDouble() : 1e-6,
                theta,
                scaling,
                n.path("tie_word_embeddings").asBoolean(false),
                type.equals("qwen2") || n.path("attention_bias").asBoolean(false),
                type.equals("qwen3"));
    }

    // Keys a rope_parameters / rope_scaling object may carry for the types we implement.
    private static final Set<String> ROPE_KEYS = Set.of("rope_type", "type", "rope_theta", "factor", "low_freq_factor",
            "high_freq_factor", "original_max_position_embeddings");

    /** transformers 5 writes {@code rope_parameters}; older checkpoints {@code rope_scaling} (null for default). */
    private static JsonNode ropeObject(JsonNode n) {
        JsonNode params = n.path("rope_parameters");
        return params.isObject() ? params : n.path("rope_scaling");
    }

    private static double ropeTheta(JsonNode n, Path file) {
        JsonNode params = n.path("rope_parameters");
        if (params.isObject() && params.hasNonNull("rope_theta")) return params.get("rope_theta").asDouble();
        if (n.hasNonNull("rope_theta")) return n.get("rope_theta").asDouble();
        return 10000;
    }

    private static RopeScaling ropeScaling(JsonNode n, Path file) {
        JsonNode r = ropeObject(n);
        if (!r.isObject()) return RopeScaling.none();
        Set<String> unknown = new TreeSet<>();
        r.fieldNames().forEachRemaining(f -> {
            if (!ROPE_KEYS.contains(f)) unknown.add(f);
        });
        String field = n.path("rope_parameters").isObject() ? "rope_parameters" : "rope_scaling";
        if (!unknown.isEmpty())
            throw new IllegalArgumentException(file + ": " + field + " has unsupported fields " + unknown + "; known: " + new TreeSet<>(ROPE_KEYS));
        String type = r.path("rope_type").asText(r.path("type").asText("default"));
        if (!RopeScaling.TYPES.contains(type))
            throw new IllegalArgumentException(file + ": " + field + ".rope_type '" + type + "' is not supported; only default and llama3");
        if (type.equals("default")) return RopeScaling.none();
        for (String k : List.of("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"))
            if (!r.hasNonNull(k)) throw new IllegalArgumentException(file + ": " + field + " of type llama3 lacks \"" + k + "\"");
        try {
            return RopeScaling.llama3(r.get("factor").asDouble(), r.get("low_freq_factor").asDouble(), r.get("high_freq_factor").asDouble(),
                    r.get("original_max_position_embeddings").asInt());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + field + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String field, Path file) {
        if (!n.hasNonNull(field)) throw new IllegalArgumentException(file + ": missing required field \"" + field + "\"");
        return n.get(field).asText();
    }

    private static int integer(JsonNode n, String field, Path file) {
        if (!n.hasNonNull(field)) throw new IllegalArgumentException(file + ": missing required field \"" + field + "\"");
        if (!n.get(field).canConvertToInt())
            throw new IllegalArgumentException(file + ": field \"" + field + "\" must be an integer, got " + n.get(field));
        return n.get(field).asInt();
    }

    /** Writes {@code config.json} as transformers would read it. */
    public void write(Path configJson) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", new String[] {ModelInfo.architecture(this)});
        m.put("model_type", modelType);
        m.put("vocab_size", vocabSize);
        m.put("hidden_size", hiddenSize);
        m.put("intermediate_size", intermediateSize);
        m.put("num_hidden_layers", numHiddenLayers);
        m.put("num_attention_heads", numAttentionHeads);
        m.put("num_key_value_heads", numKeyValueHeads);
        m.put("head_dim", headDim);
        m.put("max_position_embeddings", maxPositionEmbeddings);
        m.put("rms_norm_eps", rmsNormEps);
        m.put("rope_theta", ropeTheta);
        if (!ropeScaling.isDefault()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rope_type", ropeScaling.type());
            r.put("factor", ropeScaling.factor());
            r.put("low_freq_factor", ropeScaling.lowFreqFactor());
            r.put("high_freq_factor", ropeScaling.highFreqFactor());
            r.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            m.put("rope_scaling", r);
        }
        m.put("tie_word_embeddings", tieWordEmbeddings);
        m.put("hidden_act", "silu");
        if (modelType.equals("llama")) m.put("attention_bias", attentionBias);
        m.put("torch_dtype", "float32");
        try {
            ObjectNode node = JSON.valueToTree(m);
            Files.writeString(configJson, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new UncheckedIOException(configJson + ": cannot write", e);
        }
    }
}
