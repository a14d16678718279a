package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.HfFixtures;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our one Llama implementation computes what Hugging Face transformers computes for real checkpoints. */
class HfParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny", "qwen3-tiny"})
    void logitsAndGreedyContinuationMatchTransformers(String name) throws Exception {
        Path dir = HfFixtures.hf().resolve(name);
        SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        long[] ids = expected.toLongArray("input_ids");
        float[] logits = expected.toFloatArray("logits");
        long[] greedy = expected.toLongArray("greedy_ids");
        // The fixtures carry no tokenizer: ids stand for themselves.
        var tokenizer = new Tokenizer() {
            public int[] encode(String text) { return Arrays.stream(text.split(" ")).mapToInt(Integer::parseInt).toArray(); }
            public String decode(int[] t) { return Arrays.toString(t); }
            public int vocabSize() { return 512; }
            public int eosId() { return 0; }
            public int padId() { return 0; }
        };
        try (DjlEngine engine = Checkpoints.load(dir, EngineOptions.defaults(), tokenizer)) {
            LlamaModel model = engine.model();
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                var m = model.manager();
                long[] pos = new long[ids.length];
                float[] keys = new float[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    pos[i] = i % 12;
                    keys[i] = 1;
                }
                NDArray out = model.forward(m.create(ids, new Shape(2, 12)), m.create(pos, new Shape(2, 12)),
                        m.create(keys, new Shape(2, 12)), null, 0);
                float[] ours = out.toFloatArray();
                float worst = 0;
                for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - logits[i]));
                assertTrue(worst < 1e-4, name + ": max |logit difference| " + worst);
            }
            for (int row = 0; row < 2; row++) {
                int[] prompt = new int[12];
                for (int i = 0; i < 12; i++) prompt[i] = (int) ids[row * 12 + i];
                int[] want = new int[16];
                for (int i = 0; i < 16; i++) want[i] = (int) greedy[row * 16 + i];
                // Greedy to 16 tokens; our stand-in EOS (id 0) would end it early, so compare the prefix.
                int[] got = engine.generate(List.of(prompt), SamplingParams.greedy(16)).get(0).tokens();
                assertArrayEquals(Arrays.copyOf(want, got.length), got, name + " greedy row " + row);
            }
        }
    }
}
