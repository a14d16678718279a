package io.autodidact.engine.djl;

import io.autodidact.engine.HfFixtures;
import io.autodidact.engine.safetensors.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The transformers fixtures' input ids and expected outputs, read for tests of the engine. */
record Fixtures(Path dir, List<int[]> rows, float[] logits) {
    static final List<String> NAMES = List.of("llama-tiny", "qwen2-tiny", "qwen3-tiny");

    static Fixtures of(String name) throws IOException {
        Path dir = HfFixtures.hf().resolve(name);
        SafetensorsFile expected = SafetensorsFile.open(dir.resolve("expected.safetensors"));
        long[] ids = expected.toLongArray("input_ids");
        long[] shape = expected.info("input_ids").shape();
        List<int[]> rows = new ArrayList<>();
        for (int r = 0; r < shape[0]; r++) {
            int[] row = new int[(int) shape[1]];
            for (int j = 0; j < row.length; j++) row[j] = (int) ids[(int) (r * shape[1] + j)];
            rows.add(row);
        }
        return new Fixtures(dir, rows, expected.toFloatArray("logits"));
    }

    DjlEngine load() {
        return Checkpoints.load(dir, EngineOptions.defaults().withThreads(1));
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        float worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }
}
