package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LlamaConfig;
import io.autodidact.engine.safetensors.SafetensorsFile;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A STaR run on a model loaded from a Hugging Face directory, training LoRA adapters only. */
class LoraRunTest {
    static final String CONFIG = """
            name: lora
            seed: 5
            iterations: 1
            task: {name: addition, options: {width: 3}, problems_per_iteration: 12, min_difficulty: 1, max_difficulty: 2}
            model: {path: %s}
            lora: {rank: 4, alpha: 8, dropout: 0.0, targets: [q_proj, v_proj, down_proj]}
            bootstrap: {examples: 200, steps: 8, batch_size: 16, lr: 0.01, warmup_steps: 1}
            recipe: {name: star, samples: 2, train_steps: 2, batch_size: 8, warmup_steps: 1}
            generate: {part_problems: 12, max_new_tokens: 16}
            eval: {per_difficulty: 4, pass_k: 1}
            engine: {threads: 1, max_batch_rows: 64}
            """;

    @Test
    void starRunOnALoadedModelTrainsOnlyLoraAdaptersAndWritesMergedCheckpointsWithPeftAdapters(@TempDir Path tmp) throws Exception {
        Path base = Files.createDirectories(tmp.resolve("base")); // filled below, once the task's alphabet is known
        RunSpec spec = RunSpecReader.parse(CONFIG.formatted(base), tmp, List.of(), "test", tmp);
        assertEquals(base, spec.model().checkpoint().orElseThrow(), "model.path is model.checkpoint");
        CharTokenizer tokenizer = new CharTokenizer(TaskWorkload.of(spec).alphabet());
        try (DjlEngine fresh = DjlEngine.create(LlamaConfig.tiny(tokenizer.vocabSize(), 32, 2, 4, 2, 48), tokenizer,
                EngineOptions.defaults().withThreads(1).withSeed(1))) {
            fresh.save(base);
        }
        Path run = tmp.resolve("run");
        Map<String, Object> summary = RunLauncher.start(spec, run, DjlEngineFactory.forRun(spec, 1), LoopEvents.NONE).runner().run();
        assertEquals(1, summary.get("iterations"));

        SafetensorsFile original = SafetensorsFile.open(base.resolve("model.safetensors"));
        SafetensorsFile boot = SafetensorsFile.open(run.resolve("checkpoints/iter-0000/model.safetensors"));
        assertEquals(original.names(), boot.names(), "a merged checkpoint is a plain model with the base's tensors");
        assertArrayEquals(original.toFloatArray("model.embed_tokens.weight"), boot.toFloatArray("model.embed_tokens.weight"),
                "untargeted weights stay frozen");
        assertArrayEquals(original.toFloatArray("model.layers.1.self_attn.k_proj.weight"), boot.toFloatArray("model.layers.1.self_attn.k_proj.weight"));
        assertFalse(java.util.Arrays.equals(original.toFloatArray("model.layers.0.self_attn.q_proj.weight"),
                boot.toFloatArray("model.layers.0.self_attn.q_proj.weight")), "bootstrap trained the q_proj adapter, merged in");
        for (String it : List.of("iter-0000", "iter-0001")) {
            Path adapter = run.resolve("checkpoints").resolve(it).resolve("adapter");
            assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")), it);
            SafetensorsFile a = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"));
            assertEquals(2 * 3 * 2, a.names().size(), it + ": A and B of 3 targets in 2 layers");
            assertTrue(a.contains("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"));
        }
        // A resumed run sees exactly the saved state: the run's base plus the adapter, which computes the merged weights.
        var factory = DjlEngineFactory.forRun(spec, 1);
        Path last = run.resolve("checkpoints/iter-0001");
        try (DjlEngine resumed = (DjlEngine) factory.load(last);
             DjlEngine merged = DjlEngine.load(last, EngineOptions.defaults().withThreads(1))) {
            assertEquals(base.toAbsolutePath().normalize().toString(), resumed.baseModelName());
            assertTrue(resumed.lora().isPresent());
            int[] row = tokenizer.encode("12+34");
            float[] a = resumed.logits(List.of(row)), b = merged.logits(List.of(row));
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-4, "logit " + i);
        }
        String resolved = Files.readString(run.resolve("run.yaml"));
        assertTrue(resolved.contains("lora:") && resolved.contains("rank: 4"), "the resolved config keeps lora: " + resolved);
    }

    @Test
    void loraKeysAreValidatedLikeEveryOtherSection(@TempDir Path tmp) {
        var typo = assertThrows(ConfigMap.ConfigException.class,
                () -> RunSpecReader.parse("task: {name: addition}\nlora: {rnak: 4}\n", tmp, List.of(), "test", tmp));
        assertTrue(typo.getMessage().contains("lora.rnak"), typo.getMessage());
        var target = assertThrows(ConfigMap.ConfigException.class, () -> DjlEngineFactory.forRun(
                RunSpecReader.parse("task: {name: addition}\nlora: {targets: [qkv]}\n", tmp, List.of(), "test", tmp), 1));
        assertTrue(target.getMessage().contains("qkv"), target.getMessage());
        var both = assertThrows(ConfigMap.ConfigException.class,
                () -> RunSpecReader.parse("task: {name: addition}\nmodel: {path: a, checkpoint: b}\n", tmp, List.of(), "test", tmp));
        assertTrue(both.getMessage().contains("model.path"), both.getMessage());
    }
}
