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
 */
public final class KernelBench {
    private KernelBench() {}

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
            Objective sft = Objective.sft();
            double stepJava = stepMs(engine, rows, pg, o);
            double stepPython = stepMs(engine, rows, pg.withKernel(Objective.Kernel.python()), o);
            double stepSft = stepMs(engine, rows, sft, o);
            LossKernel java = new JavaKernels();
            double pgJava = kernelMs(java, pg, manager, rows, o, v), pgPython = kernelMs(python, pg.withKernel(Objective.Kernel.python()), manager, rows, o, v);
            double sftJava = kernelMs(java, sft, manager, rows, o, v), sftPython = kernelMs(python, sft.withKernel(Objective.Kernel.python()), manager, rows, o, v);
            double overhead = (pgPython - pgJava) / stepJava;
            return new BenchTable("kernels", "bench kernels: clipped policy-gradient loss (forward + backward) on " + o.rows() + " x " + (o.length() - 1)
                    + " x " + v + " logits, GraalPy kernel vs Java on DJL; " + runtime.description(), "python", "java")
                    .lower("policy-gradient kernel", "ms", pgPython, pgJava)
                    .lower("SFT kernel", "ms", sftPython, sftJava)
                    .lower("train step, policy gradient", "ms", stepPython, stepJava)
                    .metric("python_kernel_ms", pgPython)
                    .metric("java_kernel_ms", pgJava)
                    .metric("train_step_ms", stepJava)
                    .metric("overhead_fraction", overhead)
                    .metric("python_train_step_ms", stepPython)
                    .metric("sft_python_kernel_ms", sftPython)
                    .metric("sft_java_kernel_ms", sftJava)
                    .metric("sft_train_step_ms", stepSft)
                    .note("optimizing", runtime.optimizing())
                    .note("threads", o.threads())
                    .note("rows", o.rows()).note("length", o.length()).note("completion", o.completion());
        }
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

    private static double stepMs(DjlEngine engine, List<TrainSequence> rows, Objective objective, Options o) {
        for (int s = 0; s < o.warmup(); s++) engine.train(new TrainBatch(rows, 0, objective));
        long t0 = System.nanoTime();
        for (int s = 0; s < o.steps(); s++) engine.train(new TrainBatch(rows, 0, objective));
        return (System.nanoTime() - t0) / 1e6 / o.steps();
    }

    private static double kernelMs(LossKernel kernel, Objective objective, NDManager manager, List<TrainSequence> rows, Options o, int vocab) {
        SplittableRandom random = new SplittableRandom(5);
        int t = o.length() - 1;
        float[] logits = new float[o.rows() * t * vocab];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) random.nextGaussian();
        long[] targets = new long[o.rows() * t];
        for (int i = 0; i < targets.length; i++) targets[i] = random.nextInt(vocab);
        long total = 0;
        for (int s = 0; s < o.warmup() + o.steps(); s++) {
            try (NDScope scope = new NDScope(); NDManager m = manager.newSubManager()) {
                scope.suppressNotUsedWarning();
                NDArray x = m.create(logits, new Shape(o.rows(), t, vocab));
                x.setRequiresGradient(true);
                NDArray y = m.create(targets, new Shape(o.rows(), t, 1));
                int tokens = o.rows() * o.completion();
                long t0 = System.nanoTime();
                JniUtils.setGradMode(true);
                try {
                    NDArray loss = kernel.loss(KernelBatch.of(x, y, rows, o.length(), m, tokens, o.rows()), objective).loss();
                    JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
                    x.getGradient().getFloat(0, 0, 0);
                } finally {
                    JniUtils.setGradMode(false);
                }
                if (s >= o.warmup()) total += System.nanoTime() - t0;
            }
        }
        return total / 1e6 / o.steps();
    }
}
