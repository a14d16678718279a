package io.autodidact.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.Objective;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LlamaConfig;
import io.autodidact.engine.djl.kernels.JavaKernels;
import io.autodidact.engine.djl.kernels.KernelBatch;
import io.autodidact.engine.djl.kernels.LossKernel;
import io.autodidact.engine.djl.kernels.PythonKernel;
import io.autodidact.python.PythonRuntime;
import io.autodidact.task.AdditionTask;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code autodidact bench kernels}: the loss of one demo training step (128 rows of 64 tokens, the demo model's
 * 14-token vocabulary) computed, forward and backward, by the bundled Python kernel on GraalPy and by the same
 * loss written in Java on DJL, against the whole training step it belongs to. The overhead fraction is
 * (Python - Java) / step.
 *
 * <p>GraalPy compiles the kernel's Python only after many calls, and compiles on background threads that compete with
 * libtorch's for the cores: the Python kernel is warmed up until its time per call settles before anything is timed;
 * then the Python and Java kernels, and the training steps with each, are timed alternately, so that another process
 * slows both alike, and each figure is the median of its calls, so that the few calls a late compilation lands in (on
 * 2 cores it takes a core from libtorch for tens of milliseconds) do not decide the result. Means are reported beside.
 */
public final class KernelBench {
    private KernelBench() {}

    /** While compilation still pays off, a warm-up round costs less than this share of the round {@link #SETTLE_ROUNDS} before it. */
    private static final double SETTLED = 0.95;
    /** Compilations land one at a time, each making a call a few per cent cheaper: compare rounds this far apart. */
    private static final int SETTLE_ROUNDS = 5;
    private static final int MAX_WARMUP_ROUNDS = 60;
    /**
     * Truffle compiles a Python function once it has been called about 400 times (its first tier), then queues it for a
     * compiler thread: the kernel's own functions, called once per kernel call, cannot be compiled before then.
     */
    private static final int MIN_WARMUP_ROUNDS = 12;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public record Options(int rows, int length, int completion, int steps, int warmup, int threads) {
        public static Options demo(int threads) {
            return new Options(128, 64, 40, 40, 15, threads);
        }
    }

    public static BenchTable run(Options o, Consumer<String> log) {
        CharTokenizer tok = new CharTokenizer(AdditionTask.ALPHABET);
        PythonRuntime runtime = PythonRuntime.shared();
        log.accept("kernels: " + runtime.description());
        try (DjlEngine engine = DjlEngine.create(LlamaConfig.tiny(tok.vocabSize(), 64, 2, 4, 4, 64), tok,
                EngineOptions.defaults().withThreads(o.threads()).withSeed(1));
             PythonKernel python = new PythonKernel(runtime);
             NDManager manager = NDManager.newBaseManager()) {
            int v = engine.model().config().vocabSize();
            List<TrainSequence> rows = rows(o, v);
            Objective pg = Objective.policyGradient(0.2, 0.28, 0, Objective.Averaging.TOKEN, 0);
            Objective pgPy = pg.withKernel(Objective.Kernel.python());
            Objective sft = Objective.sft();
            LossKernel java = new JavaKernels();
            Inputs in = inputs(o, v);
            // Cold: the first calls after loading, as in a short run (the context is made outside the timing, as the engine does).
            python.prepare(pgPy);
            python.prepare(sft.withKernel(Objective.Kernel.python()));
            double pgCold = kernelCalls(python, pgPy, manager, rows, o, in, 0, 10).timing().meanMs();
            double sftCold = kernelCalls(python, sft.withKernel(Objective.Kernel.python()), manager, rows, o, in, 0, 10).timing().meanMs();
            int warmCalls = warmUp(python, List.of(pgPy, sft.withKernel(Objective.Kernel.python())), manager, rows, o, in, log);
            Timing[] pgPair = alternately(List.of(java, python), List.of(pg, pgPy), manager, rows, o, in);
            Timing pgJava = pgPair[0], pgPython = pgPair[1];
            Timing[] sftPair = alternately(List.of(java, python), List.of(sft, sft.withKernel(Objective.Kernel.python())), manager, rows, o, in);
            Timing sftJava = sftPair[0], sftPython = sftPair[1];
            // The engine's own Python context shares compiled code with the one warmed above (one GraalPy engine).
            Timing[] steps = stepMs(engine, rows, List.of(pg, pgPy, sft), o);
            Timing stepJava = steps[0], stepPython = steps[1], stepSft = steps[2];
            double overhead = (pgPython.ms() - pgJava.ms()) / stepJava.ms();
            return new BenchTable("kernels", "bench kernels: clipped policy-gradient loss (forward + backward) on " + o.rows() + " x " + (o.length() - 1)
                    + " x " + v + " logits, GraalPy kernel vs Java on DJL; " + runtime.description(), "python", "java")
                    .lower("policy-gradient kernel", "ms", pgPython.ms(), pgJava.ms())
                    .lower("policy-gradient kernel, thread CPU", "ms", pgPython.cpuMs(), pgJava.cpuMs())
                    .lower("policy-gradient kernel, first 10 calls", "ms", pgCold, pgJava.ms())
                    .lower("SFT kernel", "ms", sftPython.ms(), sftJava.ms())
                    .lower("SFT kernel, first 10 calls", "ms", sftCold, sftJava.ms())
                    .lower("train step, policy gradient", "ms", stepPython.ms(), stepJava.ms())
                    .lower("train step, policy gradient, thread CPU", "ms", stepPython.cpuMs(), stepJava.cpuMs())
                    .metric("python_kernel_ms", pgPython.ms())
                    .metric("python_kernel_mean_ms", pgPython.meanMs())
                    .metric("java_kernel_mean_ms", pgJava.meanMs())
                    .metric("train_step_mean_ms", stepJava.meanMs())
                    .metric("python_train_step_mean_ms", stepPython.meanMs())
                    .metric("overhead_fraction_of_means", (pgPython.meanMs() - pgJava.meanMs()) / stepJava.meanMs())
                    .metric("java_kernel_ms", pgJava.ms())
                    .metric("train_step_ms", stepJava.ms())
                    .metric("overhead_fraction", overhead)
                    .metric("python_train_step_ms", stepPython.ms())
                    .metric("step_overhead_fraction", (stepPython.ms() - stepJava.ms()) / stepJava.ms())
                    .metric("python_kernel_cold_ms", pgCold)
                    .metric("python_kernel_cpu_ms", pgPython.cpuMs())
                    .metric("java_kernel_cpu_ms", pgJava.cpuMs())
                    .metric("train_step_cpu_ms", stepJava.cpuMs())
                    .metric("python_train_step_cpu_ms", stepPython.cpuMs())
                    .metric("overhead_fraction_cpu", (pgPython.cpuMs() - pgJava.cpuMs()) / stepJava.cpuMs())
                    .metric("sft_python_kernel_ms", sftPython.ms())
                    .metric("sft_python_kernel_cold_ms", sftCold)
                    .metric("sft_java_kernel_ms", sftJava.ms())
                    .metric("sft_train_step_ms", stepSft.ms())
                    .note("optimizing", runtime.optimizing())
                    .note("python_warmup_calls", warmCalls)
                    .note("threads", o.threads())
                    .note("rows", o.rows()).note("length", o.length()).note("completion", o.completion());
        }
    }

    /**
     * Calls the Python kernels in rounds of {@code steps} until a round's calling-thread CPU (the median call of each
     * kernel, summed) is no longer clearly below that of the round {@link #SETTLE_ROUNDS} before, after at least
     * {@link #MIN_WARMUP_ROUNDS} and at most {@link #MAX_WARMUP_ROUNDS}: the calls it took. CPU rather than wall time,
     * because another process on the machine moves wall time by more than the compilations still to come, and one round
     * that happened to wait used to end the warm-up early.
     */
    private static int warmUp(LossKernel python, List<Objective> objectives, NDManager manager, List<TrainSequence> rows, Options o,
                              Inputs in, Consumer<String> log) {
        double[] cpu = new double[MAX_WARMUP_ROUNDS + 1];
        for (int round = 1; round <= MAX_WARMUP_ROUNDS; round++) {
            double wall = 0;
            for (Objective objective : objectives) {
                Timing t = kernelCalls(python, objective, manager, rows, o, in, 0, o.steps()).timing();
                cpu[round] += t.cpuMs();
                wall += t.ms();
            }
            log.accept(String.format("kernels: python warm-up round %d: %.2f ms thread CPU, %.2f ms per call", round,
                    cpu[round] / objectives.size(), wall / objectives.size()));
            if (round >= MIN_WARMUP_ROUNDS && cpu[round] > SETTLED * cpu[round - SETTLE_ROUNDS]) return round * o.steps() * objectives.size();
        }
        return MAX_WARMUP_ROUNDS * o.steps() * objectives.size();
    }

    private static List<TrainSequence> rows(Options o, int vocab) {
        SplittableRandom random = new SplittableRandom(3);
        List<TrainSequence> rows = new ArrayList<>();
        for (int r = 0; r < o.rows(); r++) {
            int[] t = new int[o.length()];
            for (int j = 0; j < t.length; j++) t[j] = random.nextInt(vocab);
            float[] old = new float[o.completion()];
            Arrays.fill(old, (float) -Math.log(vocab));
            rows.add(new TrainSequence(t, o.length() - o.completion(), r % 2 == 0 ? 1f : -1f, new float[0]).withOldLogprobs(old));
        }
        return rows;
    }

    /** Each objective's training step, the objectives' steps taken in turn (after a warm-up of each). */
    private static Timing[] stepMs(DjlEngine engine, List<TrainSequence> rows, List<Objective> objectives, Options o) {
        long[][] wall = new long[objectives.size()][o.steps()], cpu = new long[objectives.size()][o.steps()];
        for (int s = 0; s < o.warmup() + o.steps(); s++) {
            for (int k = 0; k < objectives.size(); k++) {
                long t0 = System.nanoTime(), c0 = THREADS.getCurrentThreadCpuTime();
                engine.train(new TrainBatch(rows, 0, objectives.get(k)));
                if (s >= o.warmup()) {
                    wall[k][s - o.warmup()] = System.nanoTime() - t0;
                    cpu[k][s - o.warmup()] = THREADS.getCurrentThreadCpuTime() - c0;
                }
            }
        }
        Timing[] out = new Timing[objectives.size()];
        for (int k = 0; k < out.length; k++) out[k] = Timing.of(wall[k], cpu[k]);
        return out;
    }

    /** Each kernel's call on its objective, the kernels called in turn (after a warm-up of each). */
    private static Timing[] alternately(List<LossKernel> kernels, List<Objective> objectives, NDManager manager, List<TrainSequence> rows,
                                        Options o, Inputs in) {
        long[][] wall = new long[kernels.size()][o.steps()], cpu = new long[kernels.size()][o.steps()];
        for (int s = 0; s < o.warmup() + o.steps(); s++) {
            for (int k = 0; k < kernels.size(); k++) {
                Samples one = kernelCalls(kernels.get(k), objectives.get(k), manager, rows, o, in, 0, 1);
                if (s >= o.warmup()) {
                    wall[k][s - o.warmup()] = one.wallNanos()[0];
                    cpu[k][s - o.warmup()] = one.cpuNanos()[0];
                }
            }
        }
        Timing[] out = new Timing[kernels.size()];
        for (int k = 0; k < out.length; k++) out[k] = Timing.of(wall[k], cpu[k]);
        return out;
    }

    /** Random logits and targets of one micro-batch, the same for every kernel. */
    private record Inputs(float[] logits, long[] targets) {}

    private static Inputs inputs(Options o, int vocab) {
        SplittableRandom random = new SplittableRandom(5);
        int t = o.length() - 1;
        float[] logits = new float[o.rows() * t * vocab];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) random.nextGaussian();
        long[] targets = new long[o.rows() * t];
        for (int i = 0; i < targets.length; i++) targets[i] = random.nextInt(vocab);
        return new Inputs(logits, targets);
    }

    /**
     * Median wall-clock and calling-thread CPU milliseconds, and the mean wall-clock. With one libtorch thread
     * ({@code --threads 1}) all of libtorch's work runs on the calling thread, so the CPU figure is the whole cost and
     * barely moves when other processes take the cores; GraalPy's compiler threads are not in it.
     */
    record Timing(double ms, double cpuMs, double meanMs) {
        static Timing of(long[] wallNanos, long[] cpuNanos) {
            return new Timing(median(wallNanos) / 1e6, median(cpuNanos) / 1e6, Arrays.stream(wallNanos).average().orElseThrow() / 1e6);
        }

        private static double median(long[] values) {
            long[] v = values.clone();
            Arrays.sort(v);
            int n = v.length;
            return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
        }
    }

    /** Wall-clock and calling-thread CPU nanoseconds of each timed call. */
    private record Samples(long[] wallNanos, long[] cpuNanos) {
        Timing timing() {
            return Timing.of(wallNanos, cpuNanos);
        }
    }

    private static Samples kernelCalls(LossKernel kernel, Objective objective, NDManager manager, List<TrainSequence> rows, Options o, Inputs in,
                                   int warmup, int steps) {
        int t = o.length() - 1;
        long vocab = in.logits().length / ((long) o.rows() * t);
        long[] wall = new long[steps], cpu = new long[steps];
        for (int s = 0; s < warmup + steps; s++) {
            try (NDScope scope = new NDScope(); NDManager m = manager.newSubManager()) {
                scope.suppressNotUsedWarning();
                NDArray x = m.create(in.logits(), new Shape(o.rows(), t, vocab));
                x.setRequiresGradient(true);
                NDArray y = m.create(in.targets(), new Shape(o.rows(), t, 1));
                int tokens = o.rows() * o.completion();
                long t0 = System.nanoTime(), c0 = THREADS.getCurrentThreadCpuTime();
                JniUtils.setGradMode(true);
                try {
                    NDArray loss = kernel.loss(KernelBatch.of(x, y, rows, o.length(), m, tokens, o.rows()), objective).loss();
                    JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
                    x.getGradient().getFloat(0, 0, 0);
                } finally {
                    JniUtils.setGradMode(false);
                }
                if (s >= warmup) {
                    wall[s - warmup] = System.nanoTime() - t0;
                    cpu[s - warmup] = THREADS.getCurrentThreadCpuTime() - c0;
                }
            }
        }
        return new Samples(wall, cpu);
    }
}
