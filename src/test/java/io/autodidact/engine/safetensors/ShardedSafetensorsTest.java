package io.autodidact.engine.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.engine.HfFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {

    @TempDir Path tmp;

    @Test
    void presentsShardsAsOneCheckpoint() throws IOException {
        LinkedHashMap<String, TensorData> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        first.put("embed.weight", TensorData.f32(new long[] {2, 2}, 1, 2, 3, 4));
        first.put("layer.0.weight", TensorData.bf16(new long[] {2}, 0.5f, -1f));
        second.put("lm_head.weight", TensorData.f32(new long[] {1, 2}, 7, 8));
        SafetensorsWriter.write(tmp.resolve("model-00001-of-00002.safetensors"), first, Map.of());
        SafetensorsWriter.write(tmp.resolve("model-00002-of-00002.safetensors"), second, Map.of());
        Files.writeString(tmp.resolve(ShardedSafetensors.INDEX), """
                {"metadata": {"total_size": 28},
                 "weight_map": {"embed.weight": "model-00001-of-00002.safetensors",
                                "layer.0.weight": "model-00001-of-00002.safetensors",
                                "lm_head.weight": "model-00002-of-00002.safetensors"}}""");

        ShardedSafetensors ckpt = ShardedSafetensors.open(tmp);
        assertEquals(List.of("embed.weight", "layer.0.weight", "lm_head.weight"), ckpt.names());
        assertEquals(2, ckpt.shards().size());
        assertArrayEquals(new float[] {7, 8}, ckpt.toFloatArray("lm_head.weight"));
        assertArrayEquals(new float[] {0.5f, -1f}, ckpt.toFloatArray("layer.0.weight"));
        assertArrayEquals(new long[] {2, 2}, ckpt.info("embed.weight").shape());
        assertEquals(Map.of("format", "pt"), ckpt.metadata());
        assertTrue(ckpt.describe("lm_head.weight").contains("model-00002-of-00002.safetensors"));
    }

    @Test
    void opensASingleFileCheckpoint() throws IOException {
        ShardedSafetensors ckpt = ShardedSafetensors.open(HfFixtures.hf().resolve("qwen2-tiny"));
        assertEquals(1, ckpt.shards().size());
        assertTrue(ckpt.contains("model.layers.0.self_attn.q_proj.bias"));
        assertTrue(!ckpt.contains("lm_head.weight"), "qwen2-tiny ties embeddings");
        assertEquals(DType.F32, ckpt.info("model.embed_tokens.weight").dtype());
    }

    @Test
    void namesMissingShardsAndTensors() throws IOException {
        IOException none = assertThrows(IOException.class, () -> ShardedSafetensors.open(tmp));
        assertTrue(none.getMessage().contains("model.safetensors and model.safetensors.index.json"), none.getMessage());

        LinkedHashMap<String, TensorData> only = new LinkedHashMap<>();
        only.put("a", TensorData.f32(new long[] {1}, 1));
        SafetensorsWriter.write(tmp.resolve("s1.safetensors"), only, Map.of());
        Files.writeString(tmp.resolve(ShardedSafetensors.INDEX),
                "{\"weight_map\": {\"a\": \"s1.safetensors\", \"b\": \"s1.safetensors\"}}");
        IOException absent = assertThrows(IOException.class, () -> ShardedSafetensors.open(tmp));
        assertTrue(absent.getMessage().contains("maps b to s1.safetensors, but that shard has no such tensor"), absent.getMessage());

        Files.writeString(tmp.resolve(ShardedSafetensors.INDEX), "{\"weight_map\": {\"a\": \"s2.safetensors\"}}");
        IOException missing = assertThrows(IOException.class, () -> ShardedSafetensors.open(tmp));
        assertTrue(missing.getMessage().contains("s2.safetensors, which is missing"), missing.getMessage());

        Files.writeString(tmp.resolve(ShardedSafetensors.INDEX), "{\"weight_map\": {\"a\": \"../s1.safetensors\"}}");
        IOException outside = assertThrows(IOException.class, () -> ShardedSafetensors.open(tmp));
        assertTrue(outside.getMessage().contains("is outside"), outside.getMessage());
    }
}
