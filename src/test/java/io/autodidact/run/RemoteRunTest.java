package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.Generation;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.remote.RemoteEngineFactory;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.recipe.Recipes;
import io.autodidact.store.RolloutFiles;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import io.autodidact.worker.WorkerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny STaR run end to end on two loopback workers through the run config's engine.type remote. */
class RemoteRunTest {

    @Test
    void aStarRunOnTwoWorkersCompletesWithTheRolloutsTheInProcessEngineDrawsFromTheSameCheckpoints(@TempDir Path tmp) throws Exception {
        EngineOptions options = EngineOptions.defaults().withThreads(1).withMaxBatchRows(64);
        try (WorkerServer a = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("run-token"), options));
                WorkerServer b = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("run-token"), options))) {
            RunSpec spec = RunSpecReader.parse(io.autodidact.testing.TinyRun.CONFIG, Path.of("."), List.of("engine.type=remote",
                    "engine.workers=[" + a.address() + ", " + b.address() + "]", "engine.chunk_rows=8"), "test");
            var factory = (RemoteEngineFactory) EngineFactories.forRun(spec, 1, Map.of(WorkerServer.TOKEN_ENV, "run-token"));
            Path dir = tmp.resolve("run");
            Map<String, Object> summary = RunLauncher.start(spec, dir, factory, LoopEvents.NONE).runner().run();
            assertEquals(3, ((List<?>) summary.get("per_iteration")).size());
            List<WorkerStatus> workers = factory.workers();
            for (WorkerStatus w : workers) assertTrue(w.samples() > 0, "both workers generated: " + workers);
            assertTrue(workers.stream().anyMatch(w -> w.weightSyncs() > 0), "the generation worker received trained weights: " + workers);

            TaskWorkload workload = TaskWorkload.of(spec);
            var recipe = Recipes.named(spec.recipe().name(), spec.recipe().options());
            try (var alloc = new RootAllocator()) {
                RolloutFiles rollouts = RunDirectory.open(dir).rollouts(alloc);
                assertEquals(2 * 24 * 3, rollouts.readAll().size());
                assertEquals(2 * 24 * 3, rollouts.readAll().stream().map(r -> r.iteration() + "/" + r.problemId() + "/" + r.sampleIndex())
                        .distinct().count(), "every (iteration, problem, sample) exactly once");
                for (int it = 1; it <= 2; it++) {
                    List<Problem> problems = workload.problems(it, spec.seed());
                    try (DjlEngine local = DjlEngine.load(dir.resolve(String.format("checkpoints/iter-%04d", it - 1)), options)) {
                        for (int part : rollouts.parts(it)) {
                            int size = spec.generate().partProblems();
                            List<int[]> prompts = new ArrayList<>();
                            for (Problem p : problems.subList(part * size, Math.min(problems.size(), (part + 1) * size)))
                                prompts.add(local.tokenizer().encode(p.prompt()));
                            SamplingParams params = recipe.sampling(it, spec.generate().maxNewTokens(), LoopRunner.mix(spec.seed(), it, part));
                            List<Generation> expected = local.generate(prompts, params);
                            List<Rollout> stored = rollouts.read(it, part);
                            assertEquals(expected.size(), stored.size());
                            for (int i = 0; i < expected.size(); i++) {
                                String at = "iteration " + it + " part " + part + " row " + i;
                                assertEquals(expected.get(i).sampleIndex(), stored.get(i).sampleIndex(), at);
                                assertArrayEquals(expected.get(i).tokens(), stored.get(i).completionTokens(), at);
                                assertEquals(expected.get(i).text(), stored.get(i).text(), at);
                                float[] e = expected.get(i).logprobs(), s = stored.get(i).logprobs();
                                for (int j = 0; j < e.length; j++) assertEquals(e[j], s[j], 1e-5, at + " token " + j);
                            }
                        }
                    }
                }
            }
        }
    }
}
