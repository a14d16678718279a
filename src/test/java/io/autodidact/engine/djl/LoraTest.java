package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on real transformers checkpoints: adapters start neutral, train alone, save as PEFT does and merge exactly. */
class LoraTest {

    private static TrainBatch batch(Fixtures f) {
        List<TrainSequence> rows = new ArrayList<>();
        for (int[] r : f.rows()) rows.add(new TrainSequence(r, 4));
        return new TrainBatch(rows, 1e-2);
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> weights) {
        Map<String, float[]> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Test
    void zeroInitialisedAdaptersLeaveLogitsExactlyUnchanged() throws Exception {
        Fixtures f = Fixtures.of("qwen3-tiny");
        try (DjlEngine engine = f.load()) {
            float[] before = engine.logits(f.rows());
            engine.addLora(new LoraConfig(4, 8, 0, LoraConfig.ALL_TARGETS));
            assertEquals(2 * 7 * 2, engine.model().adapters().tensors().size(), "A and B for 7 projections in 2 layers");
            assertEquals(0f, Fixtures.maxAbsDiff(before, engine.logits(f.rows())));
        }
    }

    @Test
    void trainingUpdatesOnlyTheAdaptersAndLeavesBaseWeightsWithoutGradients() throws Exception {
        Fixtures f = Fixtures.of("llama-tiny");
        try (DjlEngine engine = f.load()) {
            engine.addLora(new LoraConfig(4, 8, 0.1, List.of("q_proj", "v_proj", "down_proj")));
            Map<String, float[]> base = snapshot(engine.model().weights());
            Map<String, float[]> adapters = snapshot(engine.model().adapters().tensors());
            double first = engine.train(batch(f)).loss(), last = first;
            for (int i = 0; i < 4; i++) last = engine.train(batch(f)).loss();
            assertTrue(last < first, "adapter training lowers the loss: " + first + " -> " + last);
            for (var e : engine.model().weights().entrySet()) {
                assertArrayEquals(base.get(e.getKey()), e.getValue().toFloatArray(), e.getKey() + " is frozen");
                assertFalse(e.getValue().hasGradient(), e.getKey() + " records no gradient");
            }
            for (var e : engine.model().adapters().tensors().entrySet()) {
                float moved = Fixtures.maxAbsDiff(adapters.get(e.getKey()), e.getValue().toFloatArray());
                assertTrue(moved > 1e-4, e.getKey() + " trained (moved " + moved + ")");
            }
            assertEquals(List.of("q_proj", "v_proj", "down_proj"), engine.lora().orElseThrow().targets());
        }
    }

    @Test
    void mergedCheckpointAndReloadedPeftAdapterComputeBasePlusAdapters(@TempDir Path tmp) throws Exception {
        Fixtures f = Fixtures.of("qwen2-tiny");
        float[] adapted;
        try (DjlEngine engine = f.load()) {
            engine.addLora(new LoraConfig(4, 16, 0, LoraConfig.ALL_TARGETS));
            for (int i = 0; i < 3; i++) engine.train(batch(f));
            adapted = engine.logits(f.rows());
            assertTrue(Fixtures.maxAbsDiff(adapted, f.logits()) > 1e-2, "the adapters changed the model");
            engine.save(tmp.resolve("merged"));
            engine.mergeLora();
            assertTrue(engine.lora().isEmpty());
            assertTrue(Fixtures.maxAbsDiff(adapted, engine.logits(f.rows())) < 1e-5, "merging in place keeps the function");
        }
        try (DjlEngine merged = Checkpoints.load(tmp.resolve("merged"), EngineOptions.defaults().withThreads(1))) {
            assertTrue(merged.lora().isEmpty(), "a merged checkpoint is a plain model");
            float diff = Fixtures.maxAbsDiff(adapted, merged.logits(f.rows()));
            assertTrue(diff < 1e-5, "merged checkpoint vs base + adapters: " + diff);
        }
        Path adapter = tmp.resolve("merged").resolve(Checkpoints.ADAPTER_DIR);
        try (DjlEngine base = f.load()) {
            base.loadAdapter(adapter);
            assertEquals(0f, Fixtures.maxAbsDiff(adapted, base.logits(f.rows())), "base + reloaded adapter");
        }
    }

    @Test
    void adapterIsWrittenInPeftLayoutWithPeftTensorNames(@TempDir Path tmp) throws Exception {
        Fixtures f = Fixtures.of("llama-tiny");
        try (DjlEngine engine = f.load()) {
            engine.addLora(new LoraConfig(8, 16, 0.05, List.of("q_proj", "k_proj", "gate_proj")));
            engine.saveAdapter(tmp);
        }
        JsonNode config = new ObjectMapper().readTree(tmp.resolve("adapter_config.json").toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals("CAUSAL_LM", config.get("task_type").asText());
        assertEquals(8, config.get("r").asInt());
        assertEquals(16.0, config.get("lora_alpha").asDouble());
        assertEquals(0.05, config.get("lora_dropout").asDouble());
        assertEquals(f.dir().toAbsolutePath().normalize().toString(), config.get("base_model_name_or_path").asText());
        SafetensorsFile st = SafetensorsFile.open(tmp.resolve("adapter_model.safetensors"));
        assertEquals(2 * 3 * 2, st.names().size());
        // llama-tiny: hidden 64, 1 KV head of 16, intermediate 160.
        assertArrayEquals(new long[] {8, 64}, st.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
        assertArrayEquals(new long[] {64, 8}, st.info("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape());
        assertArrayEquals(new long[] {16, 8}, st.info("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight").shape());
        assertArrayEquals(new long[] {160, 8}, st.info("base_model.model.model.layers.1.mlp.gate_proj.lora_B.weight").shape());
        for (float b : st.toFloatArray("base_model.model.model.layers.1.mlp.gate_proj.lora_B.weight")) assertEquals(0f, b);
    }

    @Test
    void peftVariantsWeDoNotComputeAreRefusedByName(@TempDir Path tmp) throws Exception {
        Fixtures f = Fixtures.of("llama-tiny");
        try (DjlEngine engine = f.load()) {
            engine.addLora(new LoraConfig(2, 4, 0, List.of("q_proj")));
            engine.saveAdapter(tmp);
            String json = Files.readString(tmp.resolve("adapter_config.json")).replace("\"use_dora\" : false", "\"use_dora\" : true");
            Files.writeString(tmp.resolve("adapter_config.json"), json);
            engine.mergeLora();
            var e = assertThrows(IllegalArgumentException.class, () -> engine.loadAdapter(tmp));
            assertTrue(e.getMessage().contains("use_dora"), e.getMessage());
        }
        var bad = assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 0, List.of("qkv_proj")));
        assertTrue(bad.getMessage().contains("qkv_proj") && bad.getMessage().contains("lora.targets"), bad.getMessage());
    }
}
