package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.store.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replay trains on a tiny run's recorded rollouts with the real engine, sampling nothing. */
class ReplayTest {

    /** The real engines, with every sampling (temperature > 0) generate call counted. */
    record CountingEngines(EngineFactory real, AtomicInteger sampled) implements EngineFactory {
        @Override
        public PolicyEngine create(ModelShape shape, Tokenizer tokenizer, long seed) {
            return new Counting(real.create(shape, tokenizer, seed), sampled);
        }

        @Override
        public PolicyEngine load(Path checkpoint) {
            return new Counting(real.load(checkpoint), sampled);
        }
    }

    record Counting(PolicyEngine engine, AtomicInteger sampled) implements PolicyEngine {
        public Tokenizer tokenizer() { return engine.tokenizer(); }
        public int contextLength() { return engine.contextLength(); }
        public List<Generation> generate(List<int[]> prompts, SamplingParams params) {
            if (params.temperature() > 0) sampled.incrementAndGet();
            return engine.generate(prompts, params);
        }
        public StepMetrics train(TrainBatch batch) { return engine.train(batch); }
        public List<float[]> logprobs(List<int[]> prompts, List<int[]> completions) { return engine.logprobs(prompts, completions); }
        public double[] selfCertainty(List<int[]> prompts, List<int[]> completions) { return engine.selfCertainty(prompts, completions); }
        public void save(Path dir) { engine.save(dir); }
        public PolicyEngine fork() { return new Counting(engine.fork(), sampled); }
        public void close() { engine.close(); }
    }

    static Map<String, String> texts(Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (var alloc = new RootAllocator()) {
            for (Rollout r : RunDirectory.open(dir).rollouts(alloc).readAll())
                out.put(r.iteration() + "/" + r.problemId() + "/" + r.sampleIndex(), r.text() + "|" + java.util.Arrays.toString(r.logprobs()));
        }
        return out;
    }

    @Test
    void replayTrainsAnotherRecipeOnTheRecordedRolloutsWithoutSampling(@TempDir Path tmp) throws Exception {
        AtomicInteger sampled = new AtomicInteger();
        var engines = new CountingEngines(LoopRunnerTest.ENGINES, sampled);
        Path source = tmp.resolve("source");
        String config = LoopRunnerTest.TINY.replace("pass_k: 2", "pass_k: 0");
        RunLauncher.start(RunSpecReader.parse(config, Path.of("."), List.of(), "test"), source, engines, LoopEvents.NONE).runner().run();
        assertEquals(2 * 3, sampled.get(), "the source samples once per part (3 parts of 10, 10, 4 problems) per iteration");

        sampled.set(0);
        Path replay = tmp.resolve("replay");
        var prepared = Replay.start(source, "self-certainty", List.of("recipe.train_steps=3", "recipe.batch_size=8"), Optional.of(replay),
                spec -> engines, LoopEvents.NONE);
        Map<String, Object> summary = prepared.runner().run();
        assertEquals(0, sampled.get(), "a replay generates nothing but its greedy evaluations");
        assertEquals("self-certainty", summary.get("recipe"));
        assertEquals(texts(source), texts(replay), "the same rollouts: tokens, texts and behaviour log-probabilities");
        RunDirectory run = RunDirectory.open(replay);
        assertEquals(3, run.metrics().read().size(), "base + 2 iterations evaluated");
        for (int it = 0; it <= 2; it++) assertTrue(run.checkpoints().isComplete(it));
        assertTrue(Files.exists(replay.resolve("report.html")));
        Map<String, Object> recorded = run.readRunConfig();
        assertEquals(Map.of("source", source.toAbsolutePath().toString(), "run", "source"), recorded.get(Replay.KEY));
        assertTrue(((Map<?, ?>) recorded.get("model")).get("checkpoint").toString().endsWith("checkpoints/iter-0000"),
                "the replay starts from the source's base policy");
        try (var alloc = new RootAllocator()) {
            for (Rollout r : run.rollouts(alloc).readAll()) assertTrue(r.reward() > 0, "rescored by the new recipe: certainty, not verdicts");
        }
        // The recorded source makes the replay resumable like any run.
        assertEquals(summary.get("final_accuracy"), RunLauncher.resume(replay, spec -> engines, LoopEvents.NONE).runner().run().get("final_accuracy"));
    }

    @Test
    void replayRefusesAChangedModelTaskOrSeedAndMoreIterationsThanRecorded(@TempDir Path tmp) {
        Path source = tmp.resolve("source");
        String config = LoopRunnerTest.TINY.replace("iterations: 2", "iterations: 1").replace("pass_k: 2", "pass_k: 0")
                .replace("steps: 300", "steps: 20");
        RunLauncher.start(RunSpecReader.parse(config, Path.of("."), List.of(), "test"), source, LoopRunnerTest.ENGINES, LoopEvents.NONE).runner().run();
        for (String set : List.of("model.hidden=32", "task.options.width=4", "seed=9")) {
            var e = assertThrows(ConfigMap.ConfigException.class, () -> Replay.start(source, "star", List.of(set), Optional.of(tmp.resolve("r")),
                    spec -> LoopRunnerTest.ENGINES, LoopEvents.NONE), set);
            assertTrue(e.getMessage().contains("a replay keeps the source run's"), e.getMessage());
        }
        var more = assertThrows(ConfigMap.ConfigException.class, () -> Replay.start(source, "star", List.of("iterations=2"),
                Optional.of(tmp.resolve("r")), spec -> LoopRunnerTest.ENGINES, LoopEvents.NONE));
        assertTrue(more.getMessage().contains("rollouts for 1 iterations"), more.getMessage());
        var notARun = assertThrows(IllegalArgumentException.class, () -> Replay.start(tmp, "star", List.of(), Optional.empty(),
                spec -> LoopRunnerTest.ENGINES, LoopEvents.NONE));
        assertTrue(notARun.getMessage().contains("not an autodidact run directory"), notARun.getMessage());
        assertFalse(Files.exists(tmp.resolve("r")), "nothing is created for a refused replay");
    }
}
