package io.autodidact.engine.djl;

import io.autodidact.engine.safetensors.ShardedSafetensors;
import io.autodidact.engine.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a Hugging Face model directory holds, read from {@code config.json} and the safetensors headers only (no
 * weights are loaded, so it is instant for any size), after checking that every tensor the config implies is there
 * with its shape.
 *
 * @param architecture e.g. {@code LlamaForCausalLM}
 * @param parameters elements of all weights in the files (a tied head counted once)
 * @param dtypes the tensors' safetensors dtypes, e.g. [BF16]
 */
public record ModelInfo(Path dir, String architecture, LlamaConfig config, long parameters, Set<String> dtypes) {

    public static ModelInfo read(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " is not a directory; expected a Hugging Face model directory");
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile))
            throw new IllegalArgumentException(dir + " has no config.json; expected a Hugging Face model directory");
        LlamaConfig config = LlamaConfig.read(configFile);
        ShardedSafetensors weights;
        try {
            weights = ShardedSafetensors.open(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
        if (!config.tieWordEmbeddings() && !weights.contains("lm_head.weight")) config = Checkpoints.tied(config);
        long parameters = 0;
        Set<String> dtypes = new TreeSet<>();
        for (var e : LlamaModel.weightShapes(config).entrySet()) {
            if (!weights.contains(e.getKey()))
                throw new IllegalArgumentException(dir + " lacks weight '" + e.getKey() + "' " + e.getValue() + " that config.json implies");
            TensorInfo info = weights.info(e.getKey());
            if (!new ai.djl.ndarray.types.Shape(info.shape()).equals(e.getValue()))
                throw new IllegalArgumentException(weights.describe(e.getKey()) + " has shape " + new ai.djl.ndarray.types.Shape(info.shape())
                        + " but config.json implies " + e.getValue());
            parameters += info.numel();
            dtypes.add(info.dtype().name());
        }
        return new ModelInfo(dir, architecture(config), config, parameters, Set.copyOf(dtypes));
    }

    static String architecture(LlamaConfig c) {
        return switch (c.modelType()) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            default -> "LlamaForCausalLM";
        };
    }
}
