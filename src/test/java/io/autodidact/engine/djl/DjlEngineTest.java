package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.Generation;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process engine on real libtorch, at sizes that run in seconds. */
class DjlEngineTest {
    static final Tokenizer TOK = new CharTokenizer("0123456789+=>\n");
    static DjlEngine engine;

    @BeforeAll
    static void createEngine() {
        engine = DjlEngine.create(LlamaConfig.tiny(TOK.vocabSize(), 32, 2, 4, 2, 48), TOK,
                EngineOptions.defaults().withThreads(2).withSeed(7));
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    static List<TrainSequence> corpus() {
        List<TrainSequence> rows = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int a = (i * 37) % 90 + 10, b = (i * 53) % 90 + 10;
            int[] p = TOK.encode(a + "+" + b + "="), c = TOK.encode(Integer.toString(a + b));
            int[] all = Arrays.copyOf(p, p.length + c.length + 1);
            System.arraycopy(c, 0, all, p.length, c.length);
            all[all.length - 1] = TOK.eosId();
            rows.add(new TrainSequence(all, p.length));
        }
        return rows;
    }

    /** A sample that runs into the context ends there: prompt plus completion never exceed it, so TRAIN can take it. */
    @Test
    void generationStopsWhenPromptAndCompletionFillTheContext() {
        int[] prompt = TOK.encode("1234567890+1234567890=");
        int room = engine.contextLength() - prompt.length;
        int full = 0;
        for (Generation g : engine.generate(List.of(prompt, TOK.encode("1+1=")), SamplingParams.sample(32, 1.0, 200, 5))) {
            if (g.promptIndex() == 0) {
                assertTrue(g.tokens().length <= room, "a completion of " + g.tokens().length + " tokens after a " + prompt.length
                        + "-token prompt overflows the " + engine.contextLength() + "-token context");
                if (g.finishReason() == io.autodidact.engine.FinishReason.LENGTH) {
                    assertEquals(room, g.tokens().length, "stopped before the context was full");
                    full++;
                }
            }
            assertTrue(g.tokens().length + (g.promptIndex() == 0 ? prompt.length : 4) <= engine.contextLength());
        }
        assertTrue(full > 0, "no sample of the untrained model ran to the end of the context; the test checks nothing");
    }

    @Test
    void overfitsATinyCorpus() {
        try (DjlEngine e = engine.fork()) {
            List<TrainSequence> rows = corpus();
            double first = e.train(new TrainBatch(rows, 3e-3)).loss();
            double last = first;
            for (int s = 0; s < 250; s++) last = e.train(new TrainBatch(rows, 3e-3, 8)).loss();
            // 24 fixed rows of ~4 completion tokens each are memorisable by a 30k-parameter model: the
            // loss starts at ln(16) ≈ 2.8 and a model that memorised them is far below 0.05 nats/token.
            assertTrue(first > 2.0, "initial loss " + first);
            assertTrue(last < 0.05, "loss after 250 steps " + last);
            int[] prompt = Arrays.copyOf(rows.get(3).tokens(), rows.get(3).completionStart());
            Generation g = e.generate(List.of(prompt), SamplingParams.greedy(8)).get(0);
            int[] expected = Arrays.copyOfRange(rows.get(3).tokens(), rows.get(3).completionStart(), rows.get(3).tokens().length);
            assertArrayEquals(expected, g.tokens(), "greedy completion of a memorised row");
            assertEquals(io.autodidact.engine.FinishReason.EOS, g.finishReason());
        }
    }

    @Test
    void trainingAndGenerationLeaveNoNativeArraysBehind() {
        try (DjlEngine e = engine.fork()) {
            List<TrainSequence> rows = corpus();
            List<int[]> prompts = List.of(TOK.encode("12+34="), TOK.encode("5+5="), TOK.encode("99+1="));
            // The first step creates the optimizer's moment arrays; after it, every call must release what it made.
            e.train(new TrainBatch(rows, 1e-3, 8));
            e.generate(prompts, SamplingParams.sample(2, 1.0, 12, 0));
            e.logprobs(prompts, prompts);
            int steady = e.liveArrays();
            for (int s = 0; s < 1000; s++) {
                e.train(new TrainBatch(rows, 1e-3, 8));
                e.generate(prompts, SamplingParams.sample(2, 1.0, 12, s));
                e.logprobs(prompts, prompts);
            }
            assertEquals(steady, e.liveArrays(), "arrays held after 1,000 train steps, generation batches and scoring calls");
        }
    }

    @Test
    void greedySamplingIsDeterministicAndSeededSamplingIsReproducible() {
        List<int[]> prompts = List.of(TOK.encode("12+34="), TOK.encode("5+5="));
        var a = engine.generate(prompts, SamplingParams.greedy(12));
        var b = engine.generate(prompts, SamplingParams.greedy(12));
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
        var s1 = engine.generate(prompts, SamplingParams.sample(3, 1.0, 12, 42));
        var s2 = engine.generate(prompts, SamplingParams.sample(3, 1.0, 12, 42));
        var s3 = engine.generate(prompts, SamplingParams.sample(3, 1.0, 12, 43));
        boolean differs = false;
        for (int i = 0; i < s1.size(); i++) {
            assertArrayEquals(s1.get(i).tokens(), s2.get(i).tokens());
            differs |= !Arrays.equals(s1.get(i).tokens(), s3.get(i).tokens());
        }
        assertTrue(differs, "another seed gives other samples");
    }

    @Test
    void aSampleDoesNotDependOnTheRowsThatShareItsBatch() {
        List<int[]> prompts = List.of(TOK.encode("12+34="), TOK.encode("5+5="), TOK.encode("999+1="));
        var together = engine.generate(prompts, SamplingParams.sample(2, 1.0, 10, 5));
        var alone = engine.generate(List.of(prompts.get(0)), SamplingParams.sample(2, 1.0, 10, 5));
        assertArrayEquals(alone.get(1).tokens(), together.get(1).tokens());
        assertArrayEquals(alone.get(1).logprobs(), together.get(1).logprobs(), 1e-5f);
    }

    @Test
    void samplingAtTemperatureMatchesTheSoftmaxDistribution() {
        int[] prompt = TOK.encode("7+8=");
        double t = 0.7;
        int n = 6000;
        var samples = engine.generate(List.of(prompt), new SamplingParams(n, t, 1, 0, 1, List.of(), 11));
        int v = TOK.vocabSize();
        // The model's distribution at temperature 1, from the scoring path, then sharpened by 1/T.
        double[] p = new double[v];
        double z = 0;
        for (int tok = 0; tok < v; tok++) {
            float lp = engine.logprobs(List.of(prompt), List.of(new int[] {tok})).get(0)[0];
            z += p[tok] = Math.exp(lp / t);
        }
        int[] counts = new int[v];
        for (Generation g : samples) counts[g.tokens()[0]]++;
        for (int tok = 0; tok < v; tok++) {
            double expected = p[tok] / z, observed = counts[tok] / (double) n;
            double sd = Math.sqrt(expected * (1 - expected) / n);
            assertEquals(expected, observed, 5 * sd + 1e-3, "frequency of token " + tok);
        }
    }

    @Test
    void logprobsFromGenerateEqualThoseFromScoring() {
        List<int[]> prompts = List.of(TOK.encode("12+34="), TOK.encode("5+5="));
        var gens = engine.generate(prompts, SamplingParams.sample(2, 1.0, 10, 3));
        List<int[]> ps = new ArrayList<>(), cs = new ArrayList<>();
        for (Generation g : gens) {
            ps.add(prompts.get(g.promptIndex()));
            cs.add(g.tokens());
        }
        var scored = engine.logprobs(ps, cs);
        for (int i = 0; i < gens.size(); i++) assertArrayEquals(gens.get(i).logprobs(), scored.get(i), 1e-4f, "row " + i);
    }

    @Test
    void kvCacheGenerationEqualsRecomputingTheWholeSequence() {
        int[] prompt = TOK.encode("31+4=");
        int[] cached = engine.generate(List.of(prompt), new SamplingParams(1, 0, 1, 0, 16, List.of(), 0)).get(0).tokens();
        List<Integer> seq = new ArrayList<>();
        for (int x : prompt) seq.add(x);
        List<Integer> out = new ArrayList<>();
        var model = engine.model();
        for (int step = 0; step < cached.length; step++) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                int len = seq.size();
                long[] toks = seq.stream().mapToLong(Integer::longValue).toArray();
                long[] pos = new long[len];
                float[] keys = new float[len];
                for (int i = 0; i < len; i++) {
                    pos[i] = i;
                    keys[i] = 1;
                }
                var m = model.manager();
                NDArray logits = model.forward(m.create(toks, new Shape(1, len)), m.create(pos, new Shape(1, len)),
                        m.create(keys, new Shape(1, len)), null, 0);
                int next = (int) logits.get("0, -1, :").argMax().getLong();
                out.add(next);
                seq.add(next);
                if (next == TOK.eosId()) break;
            }
        }
        assertArrayEquals(out.stream().mapToInt(Integer::intValue).toArray(), cached);
    }

    @Test
    void saveThenLoadReproducesLogitsExactly(@TempDir Path dir) {
        Path ckpt = dir.resolve("ckpt");
        engine.save(ckpt);
        assertTrue(Files.exists(ckpt.resolve("config.json")));
        assertTrue(Files.exists(ckpt.resolve("model.safetensors")));
        List<int[]> prompts = List.of(TOK.encode("12+34="));
        List<int[]> completions = List.of(TOK.encode("46"));
        try (DjlEngine loaded = DjlEngine.load(ckpt, engine.options())) {
            assertArrayEquals(engine.logprobs(prompts, completions).get(0), loaded.logprobs(prompts, completions).get(0), 0f);
            assertEquals(TOK.vocabSize(), loaded.tokenizer().vocabSize());
        }
    }

    @Test
    void badInputsSayWhatIsWrong(@TempDir Path dir) throws Exception {
        var empty = assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(), SamplingParams.greedy(4)));
        assertTrue(empty.getMessage().contains("prompt list is empty"), empty.getMessage());
        var zero = assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy(0));
        assertTrue(zero.getMessage().contains("max_new_tokens"), zero.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(new int[] {3, 99}), SamplingParams.greedy(4)));
        assertTrue(unknown.getMessage().contains("token 99 at position 1"), unknown.getMessage());
        var emptyPrompt = assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(new int[0]), SamplingParams.greedy(4)));
        assertTrue(emptyPrompt.getMessage().contains("prompt 0 is empty"), emptyPrompt.getMessage());

        Path ckpt = dir.resolve("ckpt");
        engine.save(ckpt);
        Files.delete(ckpt.resolve("config.json"));
        var noConfig = assertThrows(IllegalArgumentException.class, () -> DjlEngine.load(ckpt, engine.options()));
        assertTrue(noConfig.getMessage().contains("no config.json"), noConfig.getMessage());

        Path ckpt2 = dir.resolve("ckpt2");
        engine.save(ckpt2);
        byte[] bytes = Files.readAllBytes(ckpt2.resolve("model.safetensors"));
        Files.write(ckpt2.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length / 2));
        var corrupt = assertThrows(RuntimeException.class, () -> DjlEngine.load(ckpt2, engine.options()));
        assertTrue(corrupt.getMessage().contains("model.safetensors"), corrupt.getMessage());

        Path ckpt3 = dir.resolve("ckpt3");
        engine.save(ckpt3);
        Files.delete(ckpt3.resolve("model.safetensors"));
        var missing = assertThrows(RuntimeException.class, () -> DjlEngine.load(ckpt3, engine.options()));
        assertTrue(missing.getMessage().contains("model.safetensors"), missing.getMessage());
    }
}
