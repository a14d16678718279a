package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoding with the preallocated cache (a prompt, then one token per step written in place) computes what the
 * full forward over the whole sequence computes, for each family's attention (GQA, q/k/v bias, q/k norm), with
 * rows of different lengths left-padded in one batch.
 */
class KvCacheDecodeTest {
    static final int PREFILL = 5;

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny", "qwen3-tiny"})
    void stepsThroughTheCacheGiveTheFullForwardsLogits(String name) throws Exception {
        Fixtures f = Fixtures.of(name);
        int[] longRow = f.rows().get(0), shortFull = f.rows().get(1);
        int pad = 3, t = longRow.length;
        int[] shortRow = Arrays.copyOfRange(shortFull, pad, t); // row 1 is left-padded by 3 in the batch
        try (DjlEngine engine = f.load(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            LlamaModel model = engine.model();
            NDManager m = model.manager();
            int vocab = model.config().vocabSize();
            float[] wantLong = full(model, longRow), wantShort = full(model, shortRow);

            long[] tokens = new long[2 * t], positions = new long[2 * t];
            float[] keys = new float[2 * t];
            for (int j = 0; j < t; j++) {
                tokens[j] = longRow[j];
                positions[j] = j;
                keys[j] = 1;
                tokens[t + j] = j < pad ? 0 : shortRow[j - pad];
                positions[t + j] = Math.max(0, j - pad);
                keys[t + j] = j < pad ? 0 : 1;
            }
            NDArray ids = m.create(tokens, new Shape(2, t)), pos = m.create(positions, new Shape(2, t)), mask = m.create(keys, new Shape(2, t));
            float worst = 0;
            try (KvCache cache = new KvCache(m, model.config(), 2, t)) {
                for (int end = PREFILL; end <= t; end++) {
                    int start = end == PREFILL ? 0 : end - 1;
                    NDIndex cols = new NDIndex(":, {}:{}", start, end);
                    float[] got = model.lastLogits(ids.get(cols), pos.get(cols), mask.get(new NDIndex(":, :{}", end)), cache, start).toFloatArray();
                    float[] want0 = Arrays.copyOfRange(wantLong, (end - 1) * vocab, end * vocab);
                    float[] want1 = Arrays.copyOfRange(wantShort, (end - 1 - pad) * vocab, (end - pad) * vocab);
                    worst = Math.max(worst, Fixtures.maxAbsDiff(Arrays.copyOfRange(got, 0, vocab), want0));
                    worst = Math.max(worst, Fixtures.maxAbsDiff(Arrays.copyOfRange(got, vocab, 2 * vocab), want1));
                }
            }
            assertTrue(worst < 1e-5, name + ": cached decoding differs from the full forward by " + worst);
        }
    }

    /** The reference: every position of one unpadded row, no cache. */
    private static float[] full(LlamaModel model, int[] row) {
        NDManager m = model.manager();
        long[] ids = new long[row.length], pos = new long[row.length];
        float[] keys = new float[row.length];
        for (int j = 0; j < row.length; j++) {
            ids[j] = row[j];
            pos[j] = j;
            keys[j] = 1;
        }
        Shape s = new Shape(1, row.length);
        return model.forward(m.create(ids, s), m.create(pos, s), m.create(keys, s), null, 0).toFloatArray();
    }
}
