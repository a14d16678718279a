package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loss parity with transformers, and checkpoints we write being the Hugging Face directories we read. */
class HfCheckpointTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny", "qwen3-tiny"})
    void meanNextTokenCrossEntropyMatchesTransformersLoss(String name) throws Exception {
        Fixtures f = Fixtures.of(name);
        double expected = new ObjectMapper().readTree(f.dir().resolve("expected.json").toFile()).get("loss").asDouble();
        try (DjlEngine engine = f.load()) {
            List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
            for (int[] row : f.rows()) {
                prompts.add(new int[] {row[0]});
                completions.add(java.util.Arrays.copyOfRange(row, 1, row.length));
            }
            double sum = 0;
            int count = 0;
            for (float[] lp : engine.logprobs(prompts, completions))
                for (float v : lp) {
                    sum -= v;
                    count++;
                }
            double loss = sum / count;
            assertEquals(2 * 11, count);
            assertEquals(expected, loss, 1e-5 * expected, name + ": loss " + loss + " vs transformers " + expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny", "qwen3-tiny"})
    void savedCheckpointReloadsToIdenticalLogitsWithTransformersTensorNamesAndShapes(String name, @TempDir Path tmp) throws Exception {
        Fixtures f = Fixtures.of(name);
        Path saved = tmp.resolve(name);
        float[] before;
        try (DjlEngine engine = f.load()) {
            before = engine.logits(f.rows());
            engine.save(saved);
        }
        try (DjlEngine reloaded = Checkpoints.load(saved, EngineOptions.defaults().withThreads(1))) {
            assertEquals(0f, Fixtures.maxAbsDiff(before, reloaded.logits(f.rows())), "logits after save and load");
            assertTrue(Fixtures.maxAbsDiff(f.logits(), reloaded.logits(f.rows())) < 1e-4, "still transformers' logits");
        }
        SafetensorsFile original = SafetensorsFile.open(f.dir().resolve("model.safetensors"));
        SafetensorsFile ours = SafetensorsFile.open(saved.resolve("model.safetensors"));
        assertEquals(shapes(original), shapes(ours), "tensor names and shapes");
        assertEquals("pt", ours.metadata().get("format"), "transformers refuses safetensors without format=pt");
        assertTrue(Files.isRegularFile(saved.resolve("generation_config.json")), "generation defaults travel with the model");
        var config = new ObjectMapper().readTree(saved.resolve("config.json").toFile());
        var originalConfig = new ObjectMapper().readTree(f.dir().resolve("config.json").toFile());
        for (String field : List.of("model_type", "hidden_size", "num_key_value_heads", "head_dim", "tie_word_embeddings", "rms_norm_eps"))
            if (originalConfig.has(field)) assertEquals(originalConfig.get(field), config.get(field), field); // Qwen2 derives head_dim
    }

    private static TreeMap<String, List<Long>> shapes(SafetensorsFile file) {
        TreeMap<String, List<Long>> out = new TreeMap<>();
        for (String n : file.names()) out.put(n, java.util.Arrays.stream(file.info(n).shape()).boxed().toList());
        return out;
    }
}
