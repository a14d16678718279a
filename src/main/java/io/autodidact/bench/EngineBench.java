package io.autodidact.bench;

import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LlamaConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The DJL side of {@code bench engine}: the same model, data shapes and thread count as
 * {@code engine_torch.py} (see docs/benchmarks.md), plus the native-memory check: resident memory
 * before and after 1,000 training steps and 1,000 generation batches of a small model.
 */
public final class EngineBench {
    public record Options(int vocab, int hidden, int layers, int heads, int kvHeads, int context, int trainBatch, int trainSteps,
            int warmupSteps, int genBatch, int promptLen, int genTokens, int genRepeats, int threads, long seed, int memorySteps) {
        public static Options defaults(int threads) {
            return new Options(512, 256, 4, 8, 4, 128, 16, 30, 3, 64, 16, 112, 3, threads, 0, 1000);
        }

        public Map<String, Object> torchOptions() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vocab", vocab);
            m.put("hidden", hidden);
            m.put("layers", layers);
            m.put("heads", heads);
            m.put("kv-heads", kvHeads);
            m.put("intermediate", LlamaConfig.tiny(vocab, hidden, layers, heads, kvHeads, context).intermediateSize());
            m.put("context", context);
            m.put("train-batch", trainBatch);
            m.put("train-steps", trainSteps);
            m.put("warmup-steps", warmupSteps);
            m.put("gen-batch", genBatch);
            m.put("prompt-len", promptLen);
            m.put("gen-tokens", genTokens);
            m.put("gen-repeats", genRepeats);
            m.put("threads", threads);
            m.put("seed", seed);
            return m;
        }
    }

    /** Token ids stand for themselves; no end token, so every row generates exactly the requested length. */
    record IdTokenizer(int vocabSize) implements Tokenizer {
        public int[] encode(String text) {
            throw new IllegalStateException("the benchmark feeds token ids directly");
        }

        public String decode(int[] ids) {
            return "";
        }

        public int eosId() {
            return -1;
        }

        public int padId() {
            return 0;
        }
    }

    public static Map<String, Object> run(Options o, Consumer<String> log) {
        Map<String, Object> r = new LinkedHashMap<>();
        // One more position than torch's context: our rows carry the final target token too.
        LlamaConfig cfg = LlamaConfig.tiny(o.vocab(), o.hidden(), o.layers(), o.heads(), o.kvHeads(), o.context() + 1);
        Tokenizer tok = new IdTokenizer(o.vocab());
        SplittableRandom random = new SplittableRandom(o.seed());
        try (DjlEngine engine = DjlEngine.create(cfg, tok, EngineOptions.defaults().withThreads(o.threads()).withSeed(o.seed())
                .withMaxBatchRows(Math.max(o.genBatch(), 1)))) {
            r.put("params", cfg.parameterCount());
            log.accept("djl: training " + o.trainSteps() + " steps of " + o.trainBatch() + "x" + o.context());
            for (int s = 0; s < o.warmupSteps(); s++) engine.train(randomBatch(o, random));
            CpuWatch watch = CpuWatch.start();
            long t0 = System.nanoTime();
            double first = Double.NaN, last = Double.NaN;
            for (int s = 0; s < o.trainSteps(); s++) {
                last = engine.train(randomBatch(o, random)).loss();
                if (s == 0) first = last;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            r.put("djl_train_tokens_per_s", (double) o.trainBatch() * o.context() * o.trainSteps() / seconds);
            r.put("djl_train_step_ms", seconds * 1000 / o.trainSteps());
            r.put("djl_train_loss_first", first);
            r.put("djl_train_loss_last", last);
            r.put("djl_train_foreign_cpu_share", watch.foreignShare());

            List<int[]> prompts = new ArrayList<>();
            for (int b = 0; b < o.genBatch(); b++) {
                int[] p = new int[o.promptLen()];
                for (int i = 0; i < p.length; i++) p[i] = random.nextInt(o.vocab());
                prompts.add(p);
            }
            log.accept("djl: sampling " + o.genBatch() + " x " + o.genTokens() + " tokens, " + o.genRepeats() + " runs");
            engine.generate(prompts, SamplingParams.sample(1, 1.0, 8, 1)); // warm-up
            watch = CpuWatch.start();
            List<Double> rates = new ArrayList<>();
            for (int rep = 0; rep < o.genRepeats(); rep++) {
                long g0 = System.nanoTime();
                var gens = engine.generate(prompts, SamplingParams.sample(1, 1.0, o.genTokens(), 100 + rep));
                double secs = (System.nanoTime() - g0) / 1e9;
                long produced = gens.stream().mapToLong(g -> g.tokens().length).sum();
                rates.add(produced / secs);
            }
            rates.sort(Double::compare);
            r.put("djl_generate_tokens_per_s", rates.get(rates.size() / 2));
            r.put("djl_generate_tokens_per_s_runs", rates);
            r.put("djl_generate_foreign_cpu_share", watch.foreignShare());
        }
        if (o.memorySteps() > 0) r.putAll(memory(o, log));
        return r;
    }

    private static TrainBatch randomBatch(Options o, SplittableRandom random) {
        List<TrainSequence> rows = new ArrayList<>(o.trainBatch());
        for (int b = 0; b < o.trainBatch(); b++) {
            int[] t = new int[o.context() + 1];
            for (int i = 0; i < t.length; i++) t[i] = random.nextInt(o.vocab());
            rows.add(new TrainSequence(t, 1));
        }
        return new TrainBatch(rows, 1e-3);
    }

    /** Resident set size after {@code memorySteps} warm-up steps, then after {@code memorySteps} more training steps and generation batches. */
    static Map<String, Object> memory(Options o, Consumer<String> log) {
        Map<String, Object> r = new LinkedHashMap<>();
        LlamaConfig cfg = LlamaConfig.tiny(64, 64, 2, 4, 2, 65);
        SplittableRandom random = new SplittableRandom(1);
        Options small = new Options(64, 64, 2, 4, 2, 64, 8, 0, 0, 8, 8, 8, 1, o.threads(), 1, 0);
        try (DjlEngine engine = DjlEngine.create(cfg, new IdTokenizer(64), EngineOptions.defaults().withThreads(o.threads()))) {
            List<int[]> prompts = new ArrayList<>();
            for (int b = 0; b < 8; b++) prompts.add(new int[] {1, 2, 3, 4, 5, 6, 7, random.nextInt(64)});
            // Warm up as long as we measure: the first thousand steps grow the JIT, allocator arenas and Java heap.
            for (int s = 0; s < o.memorySteps(); s++) {
                engine.train(randomBatch(small, random));
                engine.generate(prompts, SamplingParams.sample(1, 1.0, 8, s));
            }
            long before = nativeKiB();
            log.accept("djl: memory check, " + o.memorySteps() + " training steps and generation batches");
            for (int s = 0; s < o.memorySteps(); s++) engine.train(randomBatch(small, random));
            long afterTrain = nativeKiB();
            for (int s = 0; s < o.memorySteps(); s++) engine.generate(prompts, SamplingParams.sample(1, 1.0, 8, s));
            long afterGen = nativeKiB();
            r.put("memory_steps", o.memorySteps());
            r.put("native_mib_before", before / 1024.0);
            r.put("native_mib_after_train", afterTrain / 1024.0);
            r.put("native_mib_after_generate", afterGen / 1024.0);
            r.put("rss_growth_mib_train", (afterTrain - before) / 1024.0);
            r.put("rss_growth_mib_generate", (afterGen - afterTrain) / 1024.0);
        }
        return r;
    }

    /**
     * Resident memory outside the Java heap: RSS minus the committed heap, after a collection. The heap's own
     * growth (sampling allocates Java arrays every step) would otherwise read as native growth.
     */
    static long nativeKiB() {
        System.gc();
        long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1024;
        return rssKiB() - heap;
    }

    static long rssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
