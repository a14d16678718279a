package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.autodidact.engine.Objective;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Two engines with the same seed, trained in lockstep on the same batches while another thread keeps the garbage
 * collector busy, compute bit-identical losses and gradient norms. Before {@link NativeArrays}, backward read scalars
 * that DJL had already let the collector free, and these runs parted at the first or second step.
 */
class TrainingDeterminismTest {

    /** Collects garbage every 20 ms until closed: frees any Java memory a tensor still borrows. */
    static final class BusyCollector implements AutoCloseable {
        private final Thread thread = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join();
        }
    }

    static void assertLockstep(int steps, Function<DjlEngine, List<TrainSequence>> rows, Objective objective) throws Exception {
        try (DjlEngine a = KernelTrainingTest.engine(); DjlEngine b = KernelTrainingTest.engine()) {
            List<TrainSequence> batch = rows.apply(a);
            // The first step loads the kernel (a GraalPy context for Python ones), which would crawl under the collector.
            assertSameStep(0, a, b, batch, objective);
            try (var gc = new BusyCollector()) {
                for (int step = 1; step < steps; step++) assertSameStep(step, a, b, batch, objective);
            }
        }
    }

    static void assertSameStep(int step, DjlEngine a, DjlEngine b, List<TrainSequence> batch, Objective objective) {
        StepMetrics x = a.train(new TrainBatch(batch, 1e-2, 4, objective));
        StepMetrics y = b.train(new TrainBatch(batch, 1e-2, 4, objective));
        assertEquals(x.loss(), y.loss(), 0.0, "loss at step " + step);
        assertEquals(x.gradNorm(), y.gradNorm(), 0.0, "gradient norm at step " + step);
    }

    @Test
    void sftStepsAreBitIdenticalWhileTheCollectorRuns() throws Exception {
        assertLockstep(12, e -> DjlEngineTest.corpus(), Objective.sft());
    }

    @Test
    void policyGradientStepsWithKlAreBitIdenticalWhileTheCollectorRuns() throws Exception {
        Objective pg = Objective.policyGradient(0.2, 0.28, 0.05, Objective.Averaging.TOKEN, 8);
        assertLockstep(8, e -> KernelTrainingTest.rollouts(e).stream().map(r -> r.withRefLogprobs(r.oldLogprobs())).toList(), pg);
    }

    @Test
    void pythonKernelStepsAreBitIdenticalWhileTheCollectorRuns() throws Exception {
        Objective pg = Objective.policyGradient(0.2, 0.28, 0, Objective.Averaging.SEQUENCE, 8).withKernel(Objective.Kernel.python());
        assertLockstep(6, KernelTrainingTest::rollouts, pg);
    }
}
