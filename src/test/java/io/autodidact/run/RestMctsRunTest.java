package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.Stage;
import io.autodidact.recipe.mcts.RestMcts;
import io.autodidact.store.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ReST-MCTS* end to end on the tiny run: tree search in GENERATE, PRM per iteration, a crash and a resume. */
class RestMctsRunTest {
    static final String RECIPE = "recipe={name: rest-mcts, branch: 2, budget_tokens: 60, step_tokens: 6, train_steps: 6, batch_size: 16,"
            + " warmup_steps: 2, prm_train_steps: 5, prm_batch_size: 16}";

    @Test
    void searchesEachProblemWithinItsBudgetTrainsAPrmPerIterationAndResumesWithIt(@TempDir Path tmp) {
        // 80 problems, not the tiny run's 24: with 24, on some CPUs (libtorch's numerics differ by CPU) iteration 2's
        // searched prefixes all came out alike, leaving the PRM nothing to be ranked on.
        RunSpec spec = RecipeRunsTest.tiny(RECIPE, "task.problems_per_iteration=80");
        Path dir = tmp.resolve("run");
        var first = RunLauncher.start(spec, dir, LoopRunnerTest.ENGINES, new LoopRunnerTest.CrashAt(2, Stage.GENERATE, 20));
        assertThrows(LoopRunnerTest.Crash.class, () -> first.runner().run());
        assertTrue(Files.isDirectory(RestMcts.prmCheckpoint(dir, 1)), "iteration 1's SELECT kept its PRM");
        RunLauncher.resume(dir, s -> LoopRunnerTest.ENGINES, LoopEvents.NONE).runner().run();

        List<IterationMetrics> metrics = RunDirectory.open(dir).metrics().read();
        assertEquals(3, metrics.size());
        for (int it = 1; it <= 2; it++) {
            assertTrue(Files.isDirectory(RestMcts.prmCheckpoint(dir, it)), "PRM of iteration " + it);
            for (int part = 0; part < 3; part++)
                assertTrue(Files.isRegularFile(dir.resolve("prm").resolve("targets-" + it + "-" + part + ".json")), "targets of part " + part);
            Map<String, Double> extra = metrics.get(it).extra();
            double perProblem = extra.get("select_search_tokens_per_problem");
            assertTrue(perProblem > 60 - 2 * 6 && perProblem <= 60, "each tree spends most of its 60 tokens and no more: " + perProblem);
            assertTrue(extra.containsKey("select_prm_targets"), extra.keySet().toString());
            List<Rollout> rollouts = RecipeRunsTest.rollouts(dir, it);
            assertFalse(rollouts.isEmpty(), "complete traces are stored");
            Set<String> keys = new HashSet<>();
            for (Rollout r : rollouts) {
                assertTrue(keys.add(r.problemId() + "#" + r.sampleIndex()), "unique key " + r.problemId() + "#" + r.sampleIndex());
                if (r.selected()) assertTrue(r.correct(), "only verified-correct traces train the policy");
                assertTrue(r.completionTokens().length <= 24);
            }
            assertTrue(metrics.get(it).samplesSelected() > 0, "the tiny base solves some 1-3 digit sums by search");
        }
        assertTrue(metrics.get(2).extra().containsKey("select_prm_auc"), "the trained PRM is scored against the tree's labels: " + metrics.get(2).extra());
    }

    @Test
    void refusesABudgetThatCannotPayForOneExpansion() {
        var e = assertThrows(IllegalArgumentException.class, () -> RunLauncher.validate(RecipeRunsTest.tiny(
                "recipe={name: rest-mcts, branch: 4, budget_tokens: 10, step_tokens: 6}")));
        assertTrue(e.getMessage().contains("recipe.budget_tokens"), e.getMessage());
    }
}
