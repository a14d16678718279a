package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.Demonstration;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.loop.Stage;
import io.autodidact.loop.Workload;
import io.autodidact.recipe.Recipes;
import io.autodidact.reward.Reward;
import io.autodidact.store.JournalEntry;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import io.autodidact.testing.TinyRun;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.function.UnaryOperator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The new recipes and curricula end to end on the tiny run: real engine, real files, a crash and a resume. */
class RecipeRunsTest {
    static RunSpec tiny(String... overrides) {
        return RunSpecReader.parse(TinyRun.CONFIG, Path.of("."), List.of(overrides), "test");
    }

    static List<Rollout> rollouts(Path dir, int iteration) {
        try (var alloc = new RootAllocator()) {
            return RunDirectory.open(dir).rollouts(alloc).readIteration(iteration);
        }
    }

    @Test
    void bstarChoosesItsTemperatureBeforeEachIterationAndKeepsItAcrossACrash(@TempDir Path tmp) {
        RunSpec spec = tiny("recipe={name: bstar, samples: 3, temperature_min: 0.6, temperature_max: 1.2, temperature_step: 0.6,"
                + " probe_problems: 6, train_steps: 6, batch_size: 16, warmup_steps: 2}");
        Path dir = tmp.resolve("run");
        var first = RunLauncher.start(spec, dir, LoopRunnerTest.ENGINES, new LoopRunnerTest.CrashAt(1, Stage.GENERATE, 20));
        assertThrows(LoopRunnerTest.Crash.class, () -> first.runner().run());
        RunLauncher.resume(dir, s -> LoopRunnerTest.ENGINES, LoopEvents.NONE).runner().run();

        List<IterationMetrics> metrics = RunDirectory.open(dir).metrics().read();
        assertEquals(3, metrics.size());
        var journal = RunDirectory.open(dir).journal();
        for (int it = 1; it <= 2; it++) {
            Map<String, Double> extra = metrics.get(it).extra();
            for (String key : List.of("temperature", "reward_threshold", "balance_score", "balance_score_t0.6", "balance_score_t1.2",
                    "train_pass_at_k", "train_distinct_correct"))
                assertTrue(extra.containsKey(key), "iteration " + it + " logs " + key + ": " + extra.keySet());
            double t = extra.get("temperature");
            assertTrue(t == 0.6 || t == 1.2, "a candidate temperature: " + t);
            assertEquals(1, journal.entries().stream().filter(e -> e.iteration() == 1 && e.stage().equals("PLAN")).count(),
                    "PLAN is journaled once, not redone by the resume");
            for (Rollout r : rollouts(dir, it))
                assertEquals(t, r.temperature(), 1e-12, "every part, before and after the crash, sampled at the planned temperature");
        }
    }

    /** A task whose training problems' answers the loop sees rewritten by {@code answer}; eval sets keep theirs. */
    record TrainingAnswers(Workload task, UnaryOperator<Optional<String>> answer) implements Workload {
        /** The training answers withheld from the loop. */
        static TrainingAnswers withheld(Workload task) {
            return new TrainingAnswers(task, a -> Optional.empty());
        }

        public List<Problem> problems(int iteration, long seed) {
            return task.problems(iteration, seed).stream()
                    .map(p -> new Problem(p.id(), p.prompt(), answer.apply(p.answer()), p.category(), p.difficulty(), p.metadata())).toList();
        }

        public SequencedMap<String, List<Problem>> evalSets() {
            return task.evalSets();
        }

        public List<Demonstration> demonstrations() {
            return task.demonstrations();
        }

        public Reward reward() {
            return task.reward();
        }

        public String alphabet() {
            return task.alphabet();
        }
    }

    @Test
    void selfConsistencyTrainsWithNoAnswersAtAll(@TempDir Path tmp) {
        RunSpec spec = tiny("recipe={name: self-consistency, extractor: 'after:>', min_vote_share: 0.5, samples: 4, train_steps: 6,"
                + " batch_size: 16, warmup_steps: 2}");
        RunDirectory dir = RunDirectory.create(tmp.resolve("run"), spec.toMap(), Clock.systemUTC());
        new LoopRunner(dir, spec, TrainingAnswers.withheld(TaskWorkload.of(spec)), Recipes.named(spec.recipe().name(), spec.recipe().options()),
                LoopRunnerTest.ENGINES, LoopEvents.NONE).run();
        List<IterationMetrics> metrics = dir.metrics().read();
        int selected = 0;
        for (int it = 1; it <= 2; it++) {
            Map<String, Double> extra = metrics.get(it).extra();
            assertTrue(extra.containsKey("vote_share") && extra.containsKey("pseudo_label_rate"), extra.keySet().toString());
            assertFalse(extra.containsKey("pseudo_label_accuracy"), "no answers, so no accuracy to monitor");
            selected += metrics.get(it).samplesSelected();
        }
        assertTrue(selected > 0, "the majority of the bootstrapped model's samples gave labels to train on");
        assertTrue(metrics.get(2).trained());
    }

    @Test
    void secCurriculumLogsItsQValuesAndSelfConsistencyItsLabelAccuracyWhenAnswersExist(@TempDir Path tmp) {
        RunSpec spec = tiny("recipe={name: self-consistency, update: grpo, extractor: 'after:>', min_vote_share: 0.0, samples: 4,"
                + " batch_size: 32, lr: 0.001}", "curriculum={kind: sec, alpha: 0.5, temperature: 0.5, arms: difficulty, pool: 3}");
        Path path = tmp.resolve("run");
        RunLauncher.start(spec, path, LoopRunnerTest.ENGINES, LoopEvents.NONE).runner().run();
        RunDirectory dir = RunDirectory.open(path);
        List<IterationMetrics> metrics = dir.metrics().read();
        Map<String, Double> second = metrics.get(2).extra();
        for (String key : List.of("curriculum_q_1", "curriculum_q_2", "curriculum_q_3", "pseudo_label_accuracy", "pseudo_label_precision",
                "vote_share", "train_pass_at_k"))
            assertTrue(second.containsKey(key), key + " in " + second.keySet());
        assertEquals(24.0, second.get("curriculum_problems"));
        assertEquals(24 * 4, rollouts(path, 2).size(), "problems_per_iteration problems chosen from a pool of 3x as many");
        JournalEntry plan = dir.journal().find(2, "PLAN", JournalEntry.WHOLE_STAGE).orElseThrow();
        assertEquals(second.get("curriculum_q_1"), ((Map<?, ?>) plan.data().get("curriculum")).get("q_1"));
        assertTrue(RunSpecReader.fromMap(dir.readRunConfig(), path).curriculum().isPresent(), "run.yaml keeps the curriculum");
    }
}
