package io.autodidact.bench;

import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LlamaConfig;
import io.autodidact.engine.djl.RopeScaling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The DJL side of {@code bench model}: a SmolLM2-135M-shaped Llama (hidden 576, 30 layers, 9 heads, 3 KV heads,
 * intermediate 1536, vocab 49152, tied embeddings, random weights), timed generating at batch 1 and 8 with the KV
 * cache and training with AdamW, with the same shapes {@code engine_torch.py} builds from {@link Options#torchOptions}.
 */
public final class ModelBench {
    public record Options(int vocab, int hidden, int layers, int heads, int kvHeads, int intermediate, int context, int trainBatch,
            int trainSteps, int warmupSteps, int promptLen, int genTokens, int genRepeats, int threads, long seed) {
        public static Options smolLm2(int threads, int trainSteps) {
            return new Options(49152, 576, 30, 9, 3, 1536, 128, 4, trainSteps, 1, 16, 32, 2, threads, 0);
        }

        LlamaConfig config() {
            // One more position than torch's context: our rows carry the final target token too.
            return new LlamaConfig("llama", vocab, hidden, intermediate, layers, heads, kvHeads, hidden / heads, context + 1, 1e-5,
                    100000, RopeScaling.none(), true, false, false);
        }

        public Map<String, Object> torchOptions(int genBatch, boolean train) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vocab", vocab);
            m.put("hidden", hidden);
            m.put("layers", layers);
            m.put("heads", heads);
            m.put("kv-heads", kvHeads);
            m.put("intermediate", intermediate);
            m.put("context", context);
            m.put("tie-embeddings", true);
            m.put("train-batch", trainBatch);
            m.put("train-steps", trainSteps);
            m.put("warmup-steps", warmupSteps);
            m.put("skip-train", !train);
            m.put("gen-batch", genBatch);
            m.put("prompt-len", promptLen);
            m.put("gen-tokens", genTokens);
            m.put("gen-repeats", genRepeats);
            m.put("gen-mode", "cache");
            m.put("threads", threads);
            m.put("seed", seed);
            return m;
        }
    }

    public static Map<String, Object> run(Options o, Consumer<String> log) {
        Map<String, Object> r = new LinkedHashMap<>();
        LlamaConfig cfg = o.config();
        SplittableRandom random = new SplittableRandom(o.seed());
        try (DjlEngine engine = DjlEngine.create(cfg, new EngineBench.IdTokenizer(o.vocab()),
                EngineOptions.defaults().withThreads(o.threads()).withSeed(o.seed()))) {
            r.put("params", cfg.parameterCount());
            for (int batch : new int[] {1, 8}) {
                List<int[]> prompts = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    int[] p = new int[o.promptLen()];
                    for (int i = 0; i < p.length; i++) p[i] = random.nextInt(o.vocab());
                    prompts.add(p);
                }
                log.accept("djl: generating " + batch + " x " + o.genTokens() + " tokens, " + o.genRepeats() + " runs");
                engine.generate(prompts, SamplingParams.sample(1, 1.0, Math.min(8, o.genTokens()), 1)); // warm-up
                CpuWatch watch = CpuWatch.start();
                List<Double> rates = new ArrayList<>();
                for (int rep = 0; rep < o.genRepeats(); rep++) {
                    long t0 = System.nanoTime();
                    var gens = engine.generate(prompts, SamplingParams.sample(1, 1.0, o.genTokens(), 100 + rep));
                    double secs = (System.nanoTime() - t0) / 1e9;
                    rates.add(gens.stream().mapToLong(g -> g.tokens().length).sum() / secs);
                }
                rates.sort(Double::compare);
                r.put("djl_generate_b" + batch + "_tokens_per_s", rates.get(rates.size() / 2));
                r.put("djl_generate_b" + batch + "_foreign_cpu_share", watch.foreignShare());
            }
            log.accept("djl: training " + o.trainSteps() + " steps of " + o.trainBatch() + "x" + o.context());
            for (int s = 0; s < o.warmupSteps(); s++) engine.train(batch(o, random));
            CpuWatch watch = CpuWatch.start();
            long t0 = System.nanoTime();
            for (int s = 0; s < o.trainSteps(); s++) {
                double loss = engine.train(batch(o, random)).loss();
                log.accept(String.format("djl: train step %d/%d loss %.4f", s + 1, o.trainSteps(), loss));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            r.put("djl_train_tokens_per_s", (double) o.trainBatch() * o.context() * o.trainSteps() / seconds);
            r.put("djl_train_step_ms", seconds * 1000 / o.trainSteps());
            r.put("djl_train_foreign_cpu_share", watch.foreignShare());
        }
        r.put("djl_peak_rss_mib", peakRssKiB() / 1024.0);
        return r;
    }

    private static TrainBatch batch(Options o, SplittableRandom random) {
        List<TrainSequence> rows = new ArrayList<>(o.trainBatch());
        for (int b = 0; b < o.trainBatch(); b++) {
            int[] t = new int[o.context() + 1];
            for (int i = 0; i < t.length; i++) t[i] = random.nextInt(o.vocab());
            rows.add(new TrainSequence(t, 1));
        }
        return new TrainBatch(rows, 1e-3);
    }

    /** VmHWM: the most resident memory this JVM has held (heap, libtorch and all). */
    static long peakRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
