package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.TrainBatch;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine's self-certainty against a float64 computation from its own logits. */
class SelfCertaintyTest {
    static DjlEngine engine;

    @BeforeAll
    static void createEngine() {
        engine = DjlEngine.create(LlamaConfig.tiny(DjlEngineTest.TOK.vocabSize(), 32, 2, 4, 2, 48), DjlEngineTest.TOK,
                EngineOptions.defaults().withThreads(2).withSeed(7));
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    /** mean over the completion's positions of -log V - (1/V) sum_j log p_t(j), in float64 from the row's logits. */
    static double reference(DjlEngine engine, int[] prompt, int[] completion) {
        int[] row = Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, row, prompt.length, completion.length);
        float[] logits = engine.logits(List.of(row));
        int v = engine.model().config().vocabSize();
        double sum = 0;
        for (int j = 0; j < completion.length; j++) {
            int at = (prompt.length - 1 + j) * v; // the distribution completion token j was drawn from
            double max = Double.NEGATIVE_INFINITY, z = 0, sumLogp = 0;
            for (int c = 0; c < v; c++) max = Math.max(max, logits[at + c]);
            for (int c = 0; c < v; c++) z += Math.exp(logits[at + c] - max);
            double lse = max + Math.log(z);
            for (int c = 0; c < v; c++) sumLogp += logits[at + c] - lse;
            sum += -Math.log(v) - sumLogp / v;
        }
        return sum / completion.length;
    }

    @Test
    void matchesFloat64ReferenceAcrossPaddedRowsAndGivesZeroForAnEmptyCompletion() {
        try (DjlEngine e = engine.fork()) {
            for (int s = 0; s < 40; s++) e.train(new TrainBatch(DjlEngineTest.corpus(), 3e-3)); // away from uniform
            var tok = DjlEngineTest.TOK;
            List<int[]> prompts = List.of(tok.encode("12+34="), tok.encode("5+5="), tok.encode("99+1="), tok.encode("7+8="));
            List<int[]> completions = List.of(tok.encode("46"), tok.encode("10\n0>"), new int[0], tok.encode("15"));
            double[] got = e.selfCertainty(prompts, completions);
            assertEquals(4, got.length);
            assertEquals(0.0, got[2], "an empty completion");
            for (int i : new int[] {0, 1, 3}) {
                double want = reference(e, prompts.get(i), completions.get(i));
                assertTrue(want > 0.05, "a trained model is far from uniform, so the check is not 0 == 0: " + want);
                assertEquals(want, got[i], 1e-4 * Math.max(1, want), "row " + i);
            }
            assertNotEquals(got[0], got[1], 1e-6, "different completions, different certainty");
        }
    }

    @Test
    void refusesMismatchedLists() {
        var tok = DjlEngineTest.TOK;
        var error = assertThrows(IllegalArgumentException.class,
                () -> engine.selfCertainty(List.of(tok.encode("1+1=")), List.of()));
        assertTrue(error.getMessage().contains("1 prompts but 0 completions"), error.getMessage());
    }
}
