package io.autodidact.engine.djl;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.Generation;
import io.autodidact.engine.Objective;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DjlEngine.train with the objective's kernel: Python and Java agree, and generation's log-probabilities are the old policy's. */
class KernelTrainingTest {
    static final Tokenizer TOK = new CharTokenizer("0123456789+=>\n");

    static DjlEngine engine() {
        return DjlEngine.create(LlamaConfig.tiny(TOK.vocabSize(), 32, 2, 4, 2, 48), TOK, EngineOptions.defaults().withThreads(1).withSeed(11));
    }

    /** Samples 4 completions of 3 prompts and turns them into rows with alternating advantages and their generation log-probabilities. */
    static List<TrainSequence> rollouts(DjlEngine e) {
        List<int[]> prompts = List.of(TOK.encode("12+34="), TOK.encode("5+7="), TOK.encode("81+19="));
        List<Generation> gens = e.generate(prompts, SamplingParams.sample(4, 1.0, 8, 5));
        List<TrainSequence> rows = new ArrayList<>();
        for (Generation g : gens) {
            int[] p = prompts.get(g.promptIndex());
            int[] all = Arrays.copyOf(p, p.length + g.tokens().length);
            System.arraycopy(g.tokens(), 0, all, p.length, g.tokens().length);
            float adv = g.sampleIndex() % 2 == 0 ? 1f : -0.5f;
            rows.add(new TrainSequence(all, p.length, adv, new float[0]).withOldLogprobs(g.logprobs()));
        }
        return rows;
    }

    @Test
    void policyGradientStepsAgreeBetweenPythonAndJavaKernelsAndStartOnPolicy() {
        Objective java = Objective.policyGradient(0.2, 0.28, 0, Objective.Averaging.SEQUENCE, 8);
        try (DjlEngine a = engine(); DjlEngine b = a.fork()) {
            List<TrainSequence> rows = rollouts(a);
            for (int step = 0; step < 3; step++) {
                StepMetrics fromJava = a.train(new TrainBatch(rows, 1e-2, 5, java));
                StepMetrics fromPython = b.train(new TrainBatch(rows, 1e-2, 5, java.withKernel(Objective.Kernel.python())));
                assertEquals(fromJava.loss(), fromPython.loss(), 1e-5 * Math.max(1, Math.abs(fromJava.loss())), "step " + step);
                // Exact so far; making the GraalPy context inside a grad-mode step once moved this by 2e-4 (now made before).
                assertEquals(fromJava.gradNorm(), fromPython.gradNorm(), 1e-5 * fromJava.gradNorm(), "step " + step);
                for (String m : List.of("clip_fraction", "ratio", "entropy"))
                    assertEquals(fromJava.monitors().get(m), fromPython.monitors().get(m), 1e-5, m + " at step " + step);
                if (step == 0) {
                    assertEquals(1.0, fromJava.monitors().get("ratio"), 1e-4, "generation's log-probabilities are the policy's own");
                    assertEquals(0.0, fromJava.monitors().get("clip_fraction"), "nothing is clipped on policy");
                }
            }
            StepMetrics later = a.train(new TrainBatch(rows, 1e-2, 5, java));
            assertNotEquals(1.0, later.monitors().get("ratio"), 1e-4, "after updates the policy has moved off the sampling one");
        }
    }

    @Test
    void sftThroughThePythonKernelEqualsTheJavaPathAndAUserKernelFileTrains() {
        try (DjlEngine a = engine(); DjlEngine b = a.fork()) {
            List<TrainSequence> rows = rollouts(a);
            double java = a.train(new TrainBatch(rows, 1e-2, 4)).loss();
            double python = b.train(new TrainBatch(rows, 1e-2, 4, Objective.sft().withKernel(Objective.Kernel.python()))).loss();
            assertEquals(java, python, 1e-5 * Math.abs(java));
            Objective user = Objective.sft().withKernel(Objective.Kernel.parse(Path.of("src/test/python/my_kernel.py").toString(), "loss", "kernel"));
            StepMetrics m = b.train(new TrainBatch(rows, 1e-2, user));
            assertTrue(Double.isFinite(m.loss()) && m.gradNorm() > 0, "the user's kernel produced a loss with a gradient: " + m);
            assertEquals(rows.stream().mapToInt(TrainSequence::completionLength).sum(), m.monitors().get("tokens"));
        }
    }
}
