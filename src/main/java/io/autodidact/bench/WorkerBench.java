package io.autodidact.bench;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.FinishReason;
import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.remote.ExchangeProbe;
import io.autodidact.engine.remote.RemoteEngineFactory;
import io.autodidact.engine.remote.RemoteSettings;
import io.autodidact.task.AdditionTask;
import io.autodidact.worker.WorkerServer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code autodidact bench workers}: the remote engine against the in-process engine, all in this JVM on loopback.
 * <ul>
 *   <li>overhead: one loop iteration (generate, then train) on the demo model, on one worker vs in process, same threads;</li>
 *   <li>exchange: rollout batches round-tripped through a worker's {@code echo} exchange (Arrow encoding, Flight both
 *       ways, decoding), with the heap bytes the whole JVM allocated per rollout;</li>
 *   <li>weight sync: a larger model trained on one worker and streamed to another, seconds per 100 MB;</li>
 *   <li>generation throughput of the demo model on 1 and on 2 workers of one libtorch thread each.</li>
 * </ul>
 */
public final class WorkerBench {
    private static final String TOKEN = "bench-token";
    private static final CharTokenizer TOKENIZER = new CharTokenizer(AdditionTask.ALPHABET);
    /** The demo's model (configs/demo.yaml). */
    private static final EngineFactory.ModelShape DEMO = new EngineFactory.ModelShape(64, 2, 4, 4, 64);
    /** Untimed iterations of each side before the overhead comparison. */
    private static final int WARM_UP = 2;
    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private WorkerBench() {}

    /**
     * @param prompts       prompts per generate request (samples: prompts x {@code samples})
     * @param trainSteps    training steps per iteration (rows of {@code trainRows})
     * @param iterations    timed iterations of each side (after one untimed warm-up)
     * @param rollouts      rollouts per echo round trip; {@code echoRepeats} round trips are timed
     * @param syncShape     the model whose weights are synced ({@code syncRepeats} times)
     * @param threads       libtorch threads of the overhead comparison (the worker-count comparison uses 1 per worker)
     */
    public record Options(int prompts, int samples, int maxNewTokens, int trainSteps, int trainRows, int iterations, int rollouts,
            int echoRepeats, EngineFactory.ModelShape syncShape, int syncRepeats, int threads) {
        public Options {
            if (prompts < 1 || samples < 1 || maxNewTokens < 1 || trainSteps < 1 || trainRows < 1 || iterations < 1 || rollouts < 1
                    || echoRepeats < 1 || syncRepeats < 1 || threads < 1)
                throw new IllegalArgumentException("bench workers: every count must be >= 1");
        }

        /** A few minutes on 2 cores; the sync model holds about 100 MB of float32 weights. */
        public static Options standard(int threads) {
            return new Options(64, 8, 40, 20, 64, 3, 8192, 10, new EngineFactory.ModelShape(512, 8, 8, 8, 64), 3, threads);
        }

        /** Well under a minute: for a first look and the smoke test. */
        public static Options quick(int threads) {
            return new Options(8, 4, 24, 3, 16, 1, 1024, 2, new EngineFactory.ModelShape(128, 2, 4, 4, 64), 1, threads);
        }
    }

    public static BenchTable run(Options o, Consumer<String> log) {
        EngineOptions engine = EngineOptions.defaults().withThreads(o.threads()).withMaxBatchRows(512);
        double[] local = new double[3], remote = new double[3]; // generate, train seconds per iteration; process CPU seconds
        log.accept("workers: overhead, " + o.iterations() + " iterations each side, alternating, after " + WARM_UP + " of each");
        try (WorkerServer w = worker(engine); PolicyEngine in = new DjlEngineFactory(engine).create(DEMO, TOKENIZER, 1);
                // One chunk per request, as a one-worker deployment would set chunk_rows: the in-process engine decodes
                // every row of a request in one batch too, so the difference is the protocol, not the batch shape.
                PolicyEngine out = new RemoteEngineFactory(RemoteSettings.of(List.of(w.address())).withChunkRows(o.prompts() * o.samples()), TOKEN)
                        .create(DEMO, TOKENIZER, 1)) {
            // Alternate the sides so that whatever else runs on the machine slows both alike. The first iterations warm up:
            // the remote side runs Flight, gRPC and Netty code the in-process one does not, which the JIT compiles during
            // its first few dozen calls; a run's later iterations (the many that matter) do not pay for that.
            for (int it = 0; it < WARM_UP + o.iterations(); it++) {
                double[] l = iterationSeconds(in, o, it), r = iterationSeconds(out, o, it);
                for (int i = 0; it >= WARM_UP && i < 3; i++) {
                    local[i] += l[i] / o.iterations();
                    remote[i] += r[i] / o.iterations();
                }
            }
        }
        double localS = local[0] + local[1], remoteS = remote[0] + remote[1];
        double overhead = remoteS / localS - 1, cpuOverhead = remote[2] / local[2] - 1;

        log.accept("workers: exchange, " + o.echoRepeats() + " x " + o.rollouts() + " rollouts");
        double[] exchange = exchange(o, engine);

        log.accept("workers: training batches, " + o.trainSteps() + " steps of " + o.trainRows() + " and of " + 4 * o.trainRows() + " rows");
        double trainHeap = trainAllocation(o, engine);

        log.accept("workers: weight sync of " + o.syncShape());
        double[] sync = weightSync(o, engine);

        log.accept("workers: generation on 1 and 2 workers");
        EngineOptions single = engine.withThreads(1);
        double one, two;
        try (WorkerServer a = worker(single); WorkerServer b = worker(single)) {
            one = generationTokensPerSecond(factory(List.of(a.address()), a.address()), o);
            two = generationTokensPerSecond(factory(List.of(a.address(), b.address()), a.address()), o);
        }

        return new BenchTable("workers", "bench workers: remote engine on loopback workers (in this JVM) vs in process, demo model, "
                + o.threads() + " threads", "remote", "in-process")
                .lower("iteration (generate " + o.prompts() * o.samples() + " + train " + o.trainSteps() + " steps)", "s", remoteS, localS)
                .lower("  of which generate", "s", remote[0], local[0])
                .lower("  of which train", "s", remote[1], local[1])
                .lower("iteration, CPU time of the whole process", "s", remote[2], local[2])
                .higher("generation, 2 workers vs 1 (1 thread each)", "tokens/s", two, one)
                .metric("remote_overhead_fraction", overhead)
                .metric("remote_overhead_cpu_fraction", cpuOverhead)
                .metric("exchange_gb_per_s", exchange[0])
                .metric("exchange_allocated_bytes_per_rollout", exchange[1])
                .metric("exchange_rollout_bytes", exchange[2])
                .metric("train_allocated_bytes_per_row", trainHeap)
                .metric("weight_sync_s_per_100mb", sync[0])
                .metric("weight_sync_mb", sync[1])
                .metric("workers_1_tokens_per_s", one)
                .metric("workers_2_tokens_per_s", two)
                .metric("remote_iteration_s", remoteS)
                .metric("local_iteration_s", localS)
                .metric("remote_generate_s", remote[0])
                .metric("local_generate_s", local[0])
                .metric("remote_train_s", remote[1])
                .metric("local_train_s", local[1])
                .metric("remote_cpu_s", remote[2])
                .metric("local_cpu_s", local[2])
                .note("threads", o.threads())
                .note("cores", Runtime.getRuntime().availableProcessors())
                .note("workers", "in this JVM, on loopback: no network, and they share the cores with the client");
    }

    private static WorkerServer worker(EngineOptions engine) {
        return WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), engine));
    }

    private static RemoteEngineFactory factory(List<String> workers, String trainer) {
        return new RemoteEngineFactory(RemoteSettings.of(workers).withTrainer(trainer).withChunkRows(64), TOKEN);
    }

    private static List<int[]> prompts(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(TOKENIZER.encode(r.nextInt(1000) + "+" + r.nextInt(1000) + "="));
        return out;
    }

    /**
     * Iteration {@code it}: {wall seconds sampling, wall seconds training on the samples, CPU seconds of the whole process}.
     * The process's CPU time counts the client, the worker and libtorch's threads alike, and is less distorted than wall
     * time when other work shares the cores.
     */
    private static double[] iterationSeconds(PolicyEngine p, Options o, int it) {
        long cpu0 = CPU.getProcessCpuTime(), t0 = System.nanoTime();
        List<int[]> prompts = prompts(o.prompts(), it);
        List<Generation> g = p.generate(prompts, SamplingParams.sample(o.samples(), 1.0, o.maxNewTokens(), it));
        long t1 = System.nanoTime();
        for (int s = 0; s < o.trainSteps(); s++) {
            List<TrainSequence> rows = new ArrayList<>();
            for (int r = 0; r < o.trainRows(); r++) {
                Generation x = g.get((s * o.trainRows() + r) % g.size());
                int[] prompt = prompts.get(x.promptIndex());
                int[] tokens = new int[prompt.length + Math.max(1, x.tokens().length)];
                System.arraycopy(prompt, 0, tokens, 0, prompt.length);
                System.arraycopy(x.tokens(), 0, tokens, prompt.length, x.tokens().length);
                rows.add(new TrainSequence(tokens, prompt.length));
            }
            p.train(new TrainBatch(rows, 1e-3));
        }
        return new double[] {(t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9, (CPU.getProcessCpuTime() - cpu0) / 1e9};
    }

    /** {GB/s both ways, heap bytes allocated per rollout (whole JVM), Arrow bytes per rollout one way}. */
    private static double[] exchange(Options o, EngineOptions engine) {
        List<Generation> rows = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < o.rollouts(); i++) {
            int n = 64 + r.nextInt(64);
            int[] tokens = new int[n];
            float[] logprobs = new float[n];
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < n; j++) {
                tokens[j] = r.nextInt(TOKENIZER.vocabSize());
                logprobs[j] = (float) -r.nextDouble(3);
                text.append(AdditionTask.ALPHABET.charAt(r.nextInt(AdditionTask.ALPHABET.length())));
            }
            rows.add(new Generation(i, 0, tokens, logprobs, text.toString(), FinishReason.LENGTH));
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WorkerServer w = worker(engine); ExchangeProbe probe = new ExchangeProbe(w.address(), TOKEN)) {
            probe.echo(rows, 256); // warm-up: class loading, JIT, Netty's pools
            long bytes = 0, allocated0 = threads.getTotalThreadAllocatedBytes(), t0 = System.nanoTime();
            for (int i = 0; i < o.echoRepeats(); i++) bytes += probe.echo(rows, 256).bytes();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long allocated = threads.getTotalThreadAllocatedBytes() - allocated0;
            double perRollout = allocated / (double) (o.echoRepeats() * (long) o.rollouts());
            return new double[] {bytes / 1e9 / seconds, perRollout, bytes / 2.0 / o.echoRepeats() / o.rollouts()};
        }
    }

    /**
     * Heap bytes the training thread allocates per additional row of a training step on the in-process engine: the slope
     * between steps of {@code trainRows} and of 4 x {@code trainRows} rows, so that a step's fixed cost (libtorch's Java
     * handles of the forward and backward graph) cancels out and what is left is packing the rows into the model's tensors.
     * The remote side is not measured this way: its threads are the whole JVM's, where supervision and gRPC drown a slope.
     */
    private static double trainAllocation(Options o, EngineOptions engine) {
        SplittableRandom r = new SplittableRandom(11);
        List<TrainSequence> rows = new ArrayList<>();
        for (int i = 0; i < 4 * o.trainRows(); i++) {
            int n = 24 + r.nextInt(DEMO.context() - 24), start = 8;
            int[] tokens = new int[n];
            float[] old = new float[n - start];
            for (int j = 0; j < n; j++) tokens[j] = r.nextInt(TOKENIZER.vocabSize());
            for (int j = 0; j < old.length; j++) old[j] = (float) -r.nextDouble(3);
            rows.add(new TrainSequence(tokens, start, (float) (r.nextDouble() - 0.5), new float[0]).withOldLogprobs(old));
        }
        var objective = io.autodidact.engine.Objective.policyGradient(0.2, 0.28, 0, io.autodidact.engine.Objective.Averaging.TOKEN, 0);
        TrainBatch small = new TrainBatch(rows.subList(0, o.trainRows()), 1e-4, objective), large = new TrainBatch(rows, 1e-4, objective);
        try (PolicyEngine local = new DjlEngineFactory(engine).create(DEMO, TOKENIZER, 1)) {
            local.train(small); // warm-up
            local.train(large);
            return (allocatedPerStep(local, large, o.trainSteps()) - allocatedPerStep(local, small, o.trainSteps())) / (3.0 * o.trainRows());
        }
    }

    private static double allocatedPerStep(PolicyEngine p, TrainBatch batch, int steps) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocated0 = threads.getCurrentThreadAllocatedBytes();
        for (int s = 0; s < steps; s++) p.train(batch);
        return (threads.getCurrentThreadAllocatedBytes() - allocated0) / (double) steps;
    }

    /** {seconds per 100 MB, MB per sync}: train a step on the trainer, then sample one token on the other worker, which pulls the new weights. */
    private static double[] weightSync(Options o, EngineOptions engine) {
        try (WorkerServer trainer = worker(engine); WorkerServer generator = worker(engine)) {
            RemoteEngineFactory f = factory(List.of(generator.address()), trainer.address());
            List<int[]> prompt = prompts(1, 3);
            TrainSequence row = new TrainSequence(TOKENIZER.encode("12+34=>64"), 6);
            try (PolicyEngine p = f.create(o.syncShape(), TOKENIZER, 1)) {
                WorkerStatus before = null;
                for (int i = 0; i <= o.syncRepeats(); i++) {
                    p.train(new TrainBatch(List.of(row), 1e-4));
                    p.generate(prompt, SamplingParams.greedy(1));
                    if (i == 0) before = status(f, generator.address()); // the first sync also warms up: not timed
                }
                WorkerStatus after = status(f, generator.address());
                long syncs = after.weightSyncs() - before.weightSyncs(), bytes = after.weightSyncBytes() - before.weightSyncBytes();
                if (syncs != o.syncRepeats()) throw new IllegalStateException("bench workers: expected " + o.syncRepeats() + " weight syncs, saw " + syncs);
                return new double[] {(after.weightSyncSeconds() - before.weightSyncSeconds()) / (bytes / 1e8), bytes / 1e6 / syncs};
            }
        }
    }

    private static WorkerStatus status(RemoteEngineFactory f, String address) {
        return f.workers().stream().filter(w -> w.address().equals(address)).findFirst().orElseThrow();
    }

    /** Completion tokens per second of one large generate request (after a warm-up request). */
    private static double generationTokensPerSecond(RemoteEngineFactory f, Options o) {
        try (PolicyEngine p = f.create(DEMO, TOKENIZER, 1)) {
            p.generate(prompts(8, 99), SamplingParams.sample(2, 1.0, o.maxNewTokens(), 99));
            long tokens = 0, t0 = System.nanoTime();
            for (Generation g : p.generate(prompts(o.prompts() * 2, 5), SamplingParams.sample(o.samples(), 1.0, o.maxNewTokens(), 5)))
                tokens += g.tokens().length;
            return tokens / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
