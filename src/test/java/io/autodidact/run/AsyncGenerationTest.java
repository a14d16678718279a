package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.loop.Stage;
import io.autodidact.store.JournalEntry;
import io.autodidact.store.RunDirectory;
import io.autodidact.worker.WorkerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.RootAllocator;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate.max_staleness: N: generation runs up to N iterations ahead of training (N = 1: iteration n+1 samples from the
 * policy of n-1 while n trains), within the bound, across crashes.
 */
class AsyncGenerationTest {
    static final EngineOptions OPTIONS = EngineOptions.defaults().withThreads(1).withMaxBatchRows(64);

    static RunSpec spec() {
        return RunSpecReader.parse(io.autodidact.testing.TinyRun.CONFIG, Path.of("."), List.of("iterations=3", "generate.max_staleness=1"), "test");
    }

    /** iteration -> part -> the policy version that generated it, as journaled; fails if any part exceeds the bound of 1. */
    static Map<Integer, Map<Integer, Integer>> policies(Path dir) {
        return policies(dir, 1);
    }

    static Map<Integer, Map<Integer, Integer>> policies(Path dir, int bound) {
        Map<Integer, Map<Integer, Integer>> out = new java.util.TreeMap<>();
        for (JournalEntry e : RunDirectory.open(dir).journal().entries()) {
            if (!e.stage().equals(Stage.GENERATE.name()) || e.part() == JournalEntry.WHOLE_STAGE) continue;
            int policy = ((Number) e.data().get("policy")).intValue(), staleness = ((Number) e.data().get("staleness")).intValue();
            assertEquals(e.iteration() - 1 - policy, staleness, "staleness is the versions between the generating policy and the latest: " + e);
            assertTrue(staleness >= 0 && staleness <= bound, "the staleness bound " + bound + " holds: " + e);
            out.computeIfAbsent(e.iteration(), k -> new java.util.TreeMap<>()).put(e.part(), policy);
        }
        return out;
    }

    static void assertEveryRolloutOnce(Path dir) {
        assertEveryRolloutOnce(dir, 3);
    }

    static void assertEveryRolloutOnce(Path dir, int iterations) {
        try (var alloc = new RootAllocator()) {
            List<Rollout> all = RunDirectory.open(dir).rollouts(alloc).readAll();
            assertEquals(iterations * 24 * 3, all.size());
            assertEquals(all.size(), all.stream().map(r -> r.iteration() + "/" + r.problemId() + "/" + r.sampleIndex()).distinct().count());
        }
    }

    @Test
    void eachIterationAfterTheFirstSamplesFromThePolicyBeforeTheLatestAndStoresThatPolicysLogprobs(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        Map<String, Object> summary = RunLauncher.start(spec(), dir, new DjlEngineFactory(OPTIONS), LoopEvents.NONE).runner().run();
        assertEquals(4, ((List<?>) summary.get("per_iteration")).size());
        assertEquals(Map.of(1, Map.of(0, 0, 1, 0, 2, 0), 2, Map.of(0, 0, 1, 0, 2, 0), 3, Map.of(0, 1, 1, 1, 2, 1)), policies(dir));
        assertEveryRolloutOnce(dir);

        // The stored logprobs are the generating (behaviour) policy's: checkpoint 0 for iteration 2, not checkpoint 1.
        try (var alloc = new RootAllocator(); DjlEngine behaviour = DjlEngine.load(dir.resolve("checkpoints/iter-0000"), OPTIONS);
                DjlEngine latest = DjlEngine.load(dir.resolve("checkpoints/iter-0001"), OPTIONS)) {
            List<Rollout> part = RunDirectory.open(dir).rollouts(alloc).read(2, 0);
            List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
            for (Rollout r : part) {
                prompts.add(r.promptTokens());
                completions.add(r.completionTokens());
            }
            List<float[]> b = behaviour.logprobs(prompts, completions), l = latest.logprobs(prompts, completions);
            double differsFromLatest = 0;
            for (int i = 0; i < part.size(); i++)
                for (int j = 0; j < b.get(i).length; j++) {
                    assertEquals(b.get(i)[j], part.get(i).logprobs()[j], 1e-4, "row " + i + " token " + j);
                    differsFromLatest = Math.max(differsFromLatest, Math.abs(l.get(i)[j] - part.get(i).logprobs()[j]));
                }
            assertTrue(differsFromLatest > 1e-3, "checkpoint 1 would have given other logprobs: " + differsFromLatest);
        }
    }

    @Test
    void aCrashInTheAheadGenerationOrInTrainingResumesWithinTheBoundAndLosesNothing(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        // 1. The ahead generation of iteration 2 crashes after its second part: that reaches the run once iteration 1 trained.
        LoopEvents crashAhead = new LoopEvents() {
            @Override
            public void partFinished(int iteration, Stage stage, int part) {
                if (iteration == 2 && stage == Stage.GENERATE && part == 1) throw new IllegalStateException("simulated crash");
            }
        };
        var first = assertThrows(IllegalStateException.class,
                () -> RunLauncher.start(spec(), dir, new DjlEngineFactory(OPTIONS), crashAhead).runner().run());
        assertEquals("simulated crash", first.getMessage());
        assertTrue(RunDirectory.open(dir).journal().isDone(1, Stage.TRAIN.name()), "iteration 1 finished training before the crash surfaced");

        // 2. Resumed, iteration 2 generates its last part from the latest policy; then training of iteration 2 crashes while
        //    iteration 3 generates ahead.
        LoopEvents crashTraining = new LoopEvents() {
            @Override
            public void progress(int iteration, Stage stage, long done) {
                if (iteration == 2 && stage == Stage.TRAIN && done == 2) throw new IllegalStateException("simulated crash in training");
            }
        };
        assertThrows(IllegalStateException.class, () -> RunLauncher.resume(dir, s -> new DjlEngineFactory(OPTIONS), crashTraining).runner().run());

        // 3. Resumed again, to the end.
        RunLauncher.resume(dir, s -> new DjlEngineFactory(OPTIONS), LoopEvents.NONE).runner().run();
        Map<Integer, Map<Integer, Integer>> policies = policies(dir);
        assertEquals(Map.of(0, 0, 1, 0, 2, 1), policies.get(2), "parts before the crash from checkpoint 0, the rest from checkpoint 1");
        assertEquals(Map.of(0, 1, 1, 1, 2, 1), policies.get(3), "iteration 3 generated ahead, before or after the crash in training");
        assertEveryRolloutOnce(dir);
    }

    @Test
    void onTwoWorkersGenerationAheadOverlapsTrainingOnTheTrainerWithinTheBound(@TempDir Path tmp) {
        try (WorkerServer a = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("t"), OPTIONS));
                WorkerServer b = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("t"), OPTIONS))) {
            RunSpec spec = RunSpecReader.parse(io.autodidact.testing.TinyRun.CONFIG, Path.of("."), List.of("iterations=3", "generate.max_staleness=1",
                    "engine.type=remote", "engine.workers=[" + a.address() + ", " + b.address() + "]", "engine.chunk_rows=8"), "test");
            Path dir = tmp.resolve("run");
            RunLauncher.start(spec, dir, EngineFactories.forRun(spec, 1, Map.of(WorkerServer.TOKEN_ENV, "t")), LoopEvents.NONE).runner().run();
            assertEquals(Map.of(1, Map.of(0, 0, 1, 0, 2, 0), 2, Map.of(0, 0, 1, 0, 2, 0), 3, Map.of(0, 1, 1, 1, 2, 1)), policies(dir));
            assertEveryRolloutOnce(dir);
        }
    }

    /**
     * Training of iteration 1 is held until iteration 1 + N has generated (or a minute passes): with the bound N, iterations
     * 2..1+N sample from checkpoint 0, the last of them N versions stale, and iteration 2 + N does not start until
     * checkpoint 1 exists.
     */
    @ParameterizedTest(name = "max_staleness {0}")
    @ValueSource(ints = {1, 2})
    void generationRunsAtMostMaxStalenessIterationsAheadOfTraining(int n, @TempDir Path tmp) throws Exception {
        int iterations = n + 2;
        RunSpec spec = RunSpecReader.parse(io.autodidact.testing.TinyRun.CONFIG, Path.of("."),
                List.of("iterations=" + iterations, "generate.max_staleness=" + n), "test");
        CountDownLatch aheadDone = new CountDownLatch(1);
        AtomicBoolean holding = new AtomicBoolean(), releasedInTime = new AtomicBoolean();
        List<Integer> startedWhileHeld = new CopyOnWriteArrayList<>();
        LoopEvents holdTraining = new LoopEvents() {
            @Override
            public void stageStarted(int iteration, Stage stage, long total, String unit) {
                if (stage == Stage.GENERATE && holding.get()) startedWhileHeld.add(iteration);
            }

            @Override
            public void stageFinished(int iteration, Stage stage, double seconds) {
                if (stage == Stage.GENERATE && iteration == 1 + n) aheadDone.countDown();
            }

            @Override
            public void progress(int iteration, Stage stage, long done) {
                if (iteration != 1 || stage != Stage.TRAIN || done != 1) return;
                holding.set(true);
                try {
                    releasedInTime.set(aheadDone.await(120, TimeUnit.SECONDS));
                    Thread.sleep(1000); // time for a generator that ignores the bound to start iteration 2 + n
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    holding.set(false);
                }
            }
        };
        Path dir = tmp.resolve("run");
        RunLauncher.start(spec, dir, new DjlEngineFactory(OPTIONS), holdTraining).runner().run();

        assertTrue(releasedInTime.get(), "iteration " + (1 + n) + " generated while iteration 1 trained");
        Map<Integer, Map<Integer, Integer>> policies = policies(dir, n);
        for (int it = 1; it <= 1 + n; it++) assertEquals(Map.of(0, 0, 1, 0, 2, 0), policies.get(it), "iteration " + it + " from the base");
        assertTrue(policies.get(2 + n).values().stream().allMatch(v -> v >= 1), "iteration " + (2 + n) + " waited for checkpoint 1: " + policies);
        assertFalse(startedWhileHeld.contains(2 + n), "iteration " + (2 + n) + " started before checkpoint 1: " + startedWhileHeld);
        assertEveryRolloutOnce(dir, iterations);
        // Each iteration's metrics log the staleness of what it trained on; iteration 1 + n trained on samples n versions old.
        var metrics = RunDirectory.open(dir).metrics().read();
        assertEquals(n, metrics.get(1 + n).extra().get("train_staleness_max"), 1e-9);
        assertEquals(n, metrics.get(1 + n).extra().get("train_staleness_mean"), 1e-9);
        assertEquals(0, metrics.get(1).extra().get("train_staleness_max"), 1e-9);
    }

    /** The example config (max_staleness 2, four iterations), crashed in the generator and in training, resumed: nothing lost or doubled. */
    @Test
    void withStalenessTwoACrashAheadAndACrashInTrainingResumeWithEveryRolloutOnce(@TempDir Path tmp) {
        RunSpec spec = RunSpecReader.read(Path.of("configs/examples/async-generation.yaml"), List.of());
        assertEquals(2, spec.generate().maxStaleness());
        Path dir = tmp.resolve("run");
        LoopEvents crashAhead = new LoopEvents() {
            @Override
            public void partFinished(int iteration, Stage stage, int part) {
                if (iteration == 3 && stage == Stage.GENERATE && part == 1) throw new IllegalStateException("simulated crash ahead");
            }
        };
        var first = assertThrows(IllegalStateException.class, () -> RunLauncher.start(spec, dir, new DjlEngineFactory(OPTIONS), crashAhead).runner().run());
        assertEquals("simulated crash ahead", first.getMessage());
        assertEquals(java.util.Set.of(0, 1), RunDirectory.open(dir).journal().doneParts(3, Stage.GENERATE.name()), "parts 0 and 1 of iteration 3 were kept");

        LoopEvents crashTraining = new LoopEvents() {
            @Override
            public void progress(int iteration, Stage stage, long done) {
                if (iteration == 3 && stage == Stage.TRAIN && done == 2) throw new IllegalStateException("simulated crash in training");
            }
        };
        assertThrows(IllegalStateException.class, () -> RunLauncher.resume(dir, s -> new DjlEngineFactory(OPTIONS), crashTraining).runner().run());
        RunLauncher.resume(dir, s -> new DjlEngineFactory(OPTIONS), LoopEvents.NONE).runner().run();

        Map<Integer, Map<Integer, Integer>> policies = policies(dir, 2);
        assertEquals(java.util.Set.of(1, 2, 3, 4), policies.keySet());
        policies.values().forEach(parts -> assertEquals(java.util.Set.of(0, 1, 2), parts.keySet()));
        assertEveryRolloutOnce(dir, 4);
        for (var m : RunDirectory.open(dir).metrics().read()) {
            if (m.iteration() == 0) continue;
            var parts = policies.get(m.iteration()).values();
            int least = m.iteration() - 1 - java.util.Collections.max(parts), most = m.iteration() - 1 - java.util.Collections.min(parts);
            double max = m.extra().get("train_staleness_max"), mean = m.extra().get("train_staleness_mean");
            assertTrue(max <= most && mean >= least && mean <= max, "iteration " + m.iteration() + ": logged staleness " + mean + "/" + max
                    + " within its parts' " + least + ".." + most);
        }
    }

    @Test
    void aStalenessBoundOutsideItsRangeIsRefusedNamingTheFieldAndTheRange() {
        for (String bad : List.of("-1", "17")) {
            var e = assertThrows(ConfigMap.ConfigException.class, () -> RunSpecReader.parse(io.autodidact.testing.TinyRun.CONFIG, Path.of("."),
                    List.of("generate.max_staleness=" + bad), "test"));
            assertTrue(e.getMessage().contains("generate.max_staleness") && e.getMessage().contains("[0, 16]"), e.getMessage());
        }
        assertEquals(16, RunSpecReader.parse(io.autodidact.testing.TinyRun.CONFIG, Path.of("."), List.of("generate.max_staleness=16"), "test")
                .generate().maxStaleness());
    }
}
