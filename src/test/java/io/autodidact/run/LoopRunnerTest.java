package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.loop.Stage;
import io.autodidact.store.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole loop on a tiny configuration: real engine, real files, real crashes and resumes. */
class LoopRunnerTest {
    static final String TINY = io.autodidact.testing.TinyRun.CONFIG;

    static final DjlEngineFactory ENGINES = new DjlEngineFactory(EngineOptions.defaults().withThreads(1));

    static RunSpec tiny() {
        return RunSpecReader.parse(TINY, Path.of("."), List.of(), "test");
    }

    /** A crash: thrown from inside the run, leaving the directory exactly as a kill would at that point. */
    static final class Crash extends RuntimeException {
        Crash(String where) {
            super("simulated crash " + where);
        }
    }

    record CrashAt(int iteration, Stage stage, long progress) implements LoopEvents {
        @Override
        public void progress(int it, Stage st, long done) {
            if (it == iteration && st == stage && done == progress) throw new Crash(st + "@" + it + ":" + done);
        }
    }

    static Map<String, String> rolloutSet(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (var alloc = new RootAllocator()) {
            for (Rollout r : RunDirectory.open(dir).rollouts(alloc).readAll())
                out.put(r.iteration() + "/" + r.problemId() + "/" + r.sampleIndex(),
                        r.text() + "|" + r.reward() + "|" + r.correct() + "|" + r.selected());
        }
        return out;
    }

    @Test
    void runsEndToEndWritingRolloutsCheckpointsMetricsAndReport(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Map<String, Object> summary = RunLauncher.start(tiny(), dir, ENGINES, LoopEvents.NONE).runner().run();
        assertEquals(2, summary.get("iterations"));
        assertTrue(summary.containsKey("base_accuracy") && summary.containsKey("final_accuracy"));
        assertEquals(3, ((List<?>) summary.get("per_iteration")).size(), "base + 2 iterations");
        Map<String, String> rollouts = rolloutSet(dir);
        assertEquals(2 * 24 * 3, rollouts.size(), "every (iteration, problem, sample) exactly once");
        assertTrue(Files.exists(dir.resolve("rollouts/iter-0001/part-00002.arrow")), "24 problems in parts of 10");
        for (int it = 0; it <= 2; it++) assertTrue(Files.exists(dir.resolve(String.format("checkpoints/iter-%04d/config.json", it))));
        assertTrue(Files.exists(dir.resolve("checkpoints/iter-0002/model.safetensors")));
        assertTrue(Files.exists(dir.resolve("report.html")));
        assertTrue(Files.exists(dir.resolve("summary.json")));
        assertTrue(Files.readString(dir.resolve("run.yaml")).contains("max_per_problem"), "resolved config has the recipe defaults");
        assertEquals(3, RunDirectory.open(dir).metrics().read().size());
        long selected = rollouts.values().stream().filter(v -> v.endsWith("|true")).count();
        assertTrue(selected > 0, "the bootstrapped model solves some problems, so STaR has something to train on");
    }

    /**
     * The resume contract, crash by crash: the resumed run ends with the same rollouts, bit for bit (tokens, text,
     * reward, selection), as an uninterrupted run with the same seed; every (iteration, problem, sample) is stored
     * exactly once; the rollout parts that were durable before the crash are untouched by the resume (finished work
     * is not redone); and the journal records each stage and part once.
     */
    @Test
    void resumesAfterACrashInEveryStageToTheRolloutsOfAnUninterruptedRunKeepingFinishedWork(@TempDir Path tmp) throws Exception {
        Path reference = tmp.resolve("reference");
        RunLauncher.start(tiny(), reference, ENGINES, LoopEvents.NONE).runner().run();
        Map<String, String> expected = rolloutSet(reference);
        Map<String, String> expectedTokens = generated(reference);

        List<CrashAt> crashes = List.of(
                new CrashAt(0, Stage.BOOTSTRAP, 20),
                new CrashAt(1, Stage.GENERATE, 20),  // after two of three parts are durable
                new CrashAt(1, Stage.SCORE, 2),
                new CrashAt(1, Stage.SELECT, 1),
                new CrashAt(1, Stage.TRAIN, 3),
                new CrashAt(2, Stage.EVALUATE, 1));
        int i = 0;
        for (CrashAt crash : crashes) {
            Path dir = tmp.resolve("crash-" + i++);
            var first = RunLauncher.start(tiny(), dir, ENGINES, crash);
            assertThrows(Crash.class, () -> first.runner().run(), "crash " + crash);
            Map<String, String> durable = durableSamples(dir);
            RunLauncher.resume(dir, spec -> ENGINES, LoopEvents.NONE).runner().run();
            Map<String, String> after = generated(dir);
            assertEquals(expected.keySet(), rolloutSet(dir).keySet(), "every rollout exactly once after a crash in " + crash);
            assertEquals(expected, rolloutSet(dir), "text, reward and selection as uninterrupted after a crash in " + crash);
            assertEquals(expectedTokens, after, "tokens as uninterrupted after a crash in " + crash);
            for (var e : durable.entrySet())
                assertEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " was regenerated after a crash in " + crash);
            List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl")).stream()
                    .map(l -> l.replaceAll("\"timestamp\":\"[^\"]*\",", "").replaceAll(",\"data\":.*", "")).toList();
            assertEquals(new java.util.HashSet<>(lines).size(), lines.size(), "a stage or part journaled twice after a crash in " + crash);
        }
    }

    /** What the journaled GENERATE parts hold (tokens and text, by key): finished work a resume must not redo. */
    static Map<String, String> durableSamples(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (var alloc = new RootAllocator()) {
            var run = RunDirectory.open(dir);
            var files = run.rollouts(alloc);
            for (int it = 1; it <= 2; it++)
                for (int part : run.journal().doneParts(it, "GENERATE"))
                    for (Rollout r : files.read(it, part))
                        out.put(r.iteration() + "/" + r.problemId() + "/" + r.sampleIndex(),
                                java.util.Arrays.toString(r.completionTokens()) + r.text());
        }
        return out;
    }

    static Map<String, String> generated(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (var alloc = new RootAllocator()) {
            for (Rollout r : RunDirectory.open(dir).rollouts(alloc).readAll())
                out.put(r.iteration() + "/" + r.problemId() + "/" + r.sampleIndex(), java.util.Arrays.toString(r.completionTokens()) + r.text());
        }
        return out;
    }

    @Test
    void resumesAfterKillMinus9ToTheRolloutsOfAnUninterruptedRunKeepingFinishedWork(@TempDir Path tmp) throws Exception {
        Path reference = tmp.resolve("reference");
        RunLauncher.start(tiny(), reference, ENGINES, LoopEvents.NONE).runner().run();

        Path config = tmp.resolve("tiny.yaml");
        Files.writeString(config, TINY);
        Path dir = tmp.resolve("killed");
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--") || a.startsWith("-D")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.autodidact.cli.Main", "run", config.toString(),
                "--run-dir", dir.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path journal = dir.resolve("journal.jsonl");
        long deadline = System.nanoTime() + 120_000_000_000L;
        // Kill it in the middle of iteration 1's GENERATE: one part durable, the others not yet.
        while (System.nanoTime() < deadline && child.isAlive()) {
            if (Files.exists(journal) && Files.readString(journal).contains("\"stage\":\"GENERATE\",\"part\":0")) break;
            Thread.sleep(5);
        }
        assertTrue(child.isAlive(), "the child run ended before it could be killed; see " + tmp.resolve("child.log"));
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
        assertEquals(137, child.waitFor(), "killed by SIGKILL");

        Map<String, String> durable = durableSamples(dir);
        assertFalse(durable.isEmpty(), "at least one part was durable when the process was killed");
        RunLauncher.resume(dir, spec -> ENGINES, LoopEvents.NONE).runner().run();
        assertEquals(rolloutSet(reference).keySet(), rolloutSet(dir).keySet(), "every rollout exactly once");
        assertEquals(rolloutSet(reference), rolloutSet(dir), "text, reward and selection as the uninterrupted run (another process)");
        Map<String, String> after = generated(dir);
        assertEquals(generated(reference), after, "tokens as the uninterrupted run (another process)");
        for (var e : durable.entrySet()) assertEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " was regenerated");
    }

    /** A step whose loss is not finite stops the run with the setting to change, instead of training on broken weights. */
    @Test
    void aStepWithANonFiniteLossStopsTheRunNamingTheLearningRateToLower() {
        var ok = new io.autodidact.engine.StepMetrics(0.5, 1.0, 1e-3, 10);
        assertSame(ok, LoopRunner.diverged(ok, "bootstrap", 0, "bootstrap.lr"));
        for (double loss : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalStateException.class,
                    () -> LoopRunner.diverged(new io.autodidact.engine.StepMetrics(loss, Double.NaN, 1e-3, 10), "iteration 2 TRAIN", 41, "recipe.lr"));
            assertEquals("iteration 2 TRAIN diverged at step 42: the loss is " + loss + " (gradient norm NaN); lower recipe.lr (or lengthen its "
                    + "warmup) and start the run again", e.getMessage());
        }
    }

    @Test
    void refusesToResumeARunDirectoryFromANewerFormat(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunLauncher.start(tiny().withIterations(0), dir, ENGINES, LoopEvents.NONE).runner().run();
        Files.writeString(dir.resolve("format.json"), "{\"format_version\": 99, \"created_by\": \"autodidact 9\"}");
        var e = assertThrows(RuntimeException.class, () -> RunLauncher.resume(dir, spec -> ENGINES, LoopEvents.NONE));
        assertTrue(e.getMessage().contains("format version 99"), e.getMessage());
    }
}
