package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.PreferencePair;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.Workload;
import io.autodidact.recipe.Recipes;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Self-rewarding DPO end to end on the tiny run: real engine, real judge, real DPO steps. */
class SelfRewardingDpoRunTest {
    private static final String RECIPE = "recipe={name: self-rewarding-dpo, samples: 4, pairs_per_problem: 2, epochs: 4, batch_size: 8, lr: 0.002}";

    /** The addition task with every training answer replaced by -1, which no completion can state: the verifier accepts nothing. */
    static Workload wrongAnswers(Workload task) {
        return new RecipeRunsTest.TrainingAnswers(task, answer -> answer.map(a -> "-1"));
    }

    @Test
    void pairsTheMostSelfCertainAgainstTheLeastTrainsDpoAndNeverSeesAnswersOrVerdicts(@TempDir Path tmp) {
        RunSpec spec = RecipeRunsTest.tiny(RECIPE, "iterations=1");
        RunDirectory dir = RunDirectory.create(tmp.resolve("true"), spec.toMap(), Clock.systemUTC());
        new LoopRunner(dir, spec, TaskWorkload.of(spec), Recipes.named(spec.recipe().name(), spec.recipe().options()), LoopRunnerTest.ENGINES,
                LoopEvents.NONE).run();
        List<Rollout> rollouts = RecipeRunsTest.rollouts(dir.root(), 1);
        List<PreferencePair> pairs = PreferencePair.of(rollouts);
        assertFalse(pairs.isEmpty(), "the bootstrapped model's samples differ in self-certainty");
        for (PreferencePair p : pairs) {
            assertTrue(p.chosen().reward() > p.rejected().reward(), "chosen is the more self-certain: " + p);
            assertNotEquals(p.chosen().text(), p.rejected().text());
        }
        assertEquals(2 * pairs.size(), rollouts.stream().filter(Rollout::selected).count(), "only pair members are selected");

        IterationMetrics m = dir.metrics().read().get(1);
        Map<String, Double> extra = m.extra();
        assertEquals(pairs.size(), extra.get("select_pairs"));
        for (String key : List.of("select_pair_rate", "select_judge_margin", "select_pair_accuracy", "select_chosen_accuracy",
                "train_reward_margin", "train_reward_accuracy", "train_chosen_reward", "train_rejected_reward"))
            assertTrue(extra.containsKey(key), key + " in " + extra.keySet());
        assertTrue(m.trainLoss() < Math.log(2), "four epochs of DPO from the iteration's own policy lower the loss below log 2: " + m.trainLoss());
        assertTrue(extra.get("train_reward_margin") > 0, "the chosen samples gain on the rejected ones: " + extra);

        // The same iteration with every training answer wrong, replayed from the same base policy and rollouts: what the
        // recipe picks must not move, only what the verifier says of it.
        RunSpec again = RecipeRunsTest.tiny(RECIPE, "iterations=1", "bootstrap.steps=0",
                "model.checkpoint=" + dir.checkpoints().directory(0).toAbsolutePath());
        RunDirectory blind = RunDirectory.create(tmp.resolve("wrong"), again.toMap(), Clock.systemUTC());
        new LoopRunner(blind, again, wrongAnswers(TaskWorkload.of(again)), Recipes.named(again.recipe().name(), again.recipe().options()),
                LoopRunnerTest.ENGINES, LoopEvents.NONE, Optional.of(new ReplaySource(dir.root()))).run();
        List<Rollout> other = RecipeRunsTest.rollouts(blind.root(), 1);
        assertEquals(rollouts.size(), other.size());
        for (int i = 0; i < rollouts.size(); i++) {
            Rollout a = rollouts.get(i), b = other.get(i);
            assertEquals(a.text(), b.text());
            assertEquals(a.selected(), b.selected(), "selection of " + a.problemId() + "#" + a.sampleIndex());
            assertEquals(a.advantage(), b.advantage());
            assertEquals(a.reward(), b.reward(), 1e-6);
        }
        Map<String, Double> wrong = blind.metrics().read().get(1).extra();
        assertTrue(extra.get("select_chosen_accuracy") > 0, "with true answers some chosen samples are right: " + extra);
        assertEquals(0.0, wrong.get("select_chosen_accuracy"), "with wrong answers the verifier accepts nothing");
    }

    @Test
    void theLlmJudgeScoresByTheVerdictsLogOddsAndRefusesATemplateTheTokenizerCannotWrite(@TempDir Path tmp) {
        RunSpec spec = RecipeRunsTest.tiny(RECIPE.replace("samples: 4", "samples: 4, judge: llm-judge"), "iterations=1");
        RunDirectory dir = RunDirectory.create(tmp.resolve("llm"), spec.toMap(), Clock.systemUTC());
        new LoopRunner(dir, spec, TaskWorkload.of(spec), Recipes.named(spec.recipe().name(), spec.recipe().options()), LoopRunnerTest.ENGINES,
                LoopEvents.NONE).run();
        List<PreferencePair> pairs = PreferencePair.of(RecipeRunsTest.rollouts(dir.root(), 1));
        assertFalse(pairs.isEmpty());
        for (PreferencePair p : pairs) assertTrue(p.chosen().reward() > p.rejected().reward(), "chosen has the higher log-odds of \"1\": " + p);

        RunSpec bad = RecipeRunsTest.tiny(RECIPE.replace("samples: 4", "samples: 4, judge: llm-judge, judge_template: 'Is {completion} right?'"),
                "iterations=1", "bootstrap.steps=0", "model.checkpoint=" + dir.checkpoints().directory(0).toAbsolutePath());
        RunDirectory badDir = RunDirectory.create(tmp.resolve("bad"), bad.toMap(), Clock.systemUTC());
        var e = assertThrows(io.autodidact.loop.ConfigMap.ConfigException.class, () -> new LoopRunner(badDir, bad, TaskWorkload.of(bad),
                Recipes.named(bad.recipe().name(), bad.recipe().options()), LoopRunnerTest.ENGINES, LoopEvents.NONE).run());
        assertTrue(e.getMessage().contains("recipe.judge_template"), e.getMessage());
    }
}
