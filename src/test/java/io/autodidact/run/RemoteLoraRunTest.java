package io.autodidact.run;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.WorkerStatus;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LlamaConfig;
import io.autodidact.engine.djl.LlamaModel;
import io.autodidact.engine.remote.RemoteEngineFactory;
import io.autodidact.engine.safetensors.SafetensorsFile;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import io.autodidact.testing.TinyRun;
import io.autodidact.worker.WorkerServer;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny STaR run with LoRA on two workers against the same run in process: same rollouts, same adapters, adapters alone synced. */
class RemoteLoraRunTest {
    static final List<String> LORA = List.of("lora={rank: 4, alpha: 8, dropout: 0.0, targets: [q_proj, v_proj]}", "bootstrap.steps=40",
            "bootstrap.lr=0.02");

    @Test
    void aLoraRunOnTwoWorkersDrawsAndTrainsWhatTheInProcessEngineDoesAndSyncsOnlyTheAdapters(@TempDir Path tmp) throws Exception {
        EngineOptions options = EngineOptions.defaults().withThreads(1).withMaxBatchRows(64);
        RunSpec local = RunSpecReader.parse(TinyRun.CONFIG, Path.of("."), LORA, "test");
        Path inProcess = tmp.resolve("in-process"), onWorkers = tmp.resolve("on-workers");
        RunLauncher.start(local, inProcess, DjlEngineFactory.forRun(local, 1), LoopEvents.NONE).runner().run();

        List<WorkerStatus> workers;
        try (WorkerServer trainer = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("lora-token"), options));
                WorkerServer generator = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("lora-token"), options))) {
            // Only the second worker generates, so every policy the first one trains must reach it by a weight sync.
            List<String> remote = new java.util.ArrayList<>(LORA);
            remote.addAll(List.of("engine.type=remote", "engine.workers=[" + generator.address() + "]", "engine.trainer=" + trainer.address(),
                    "engine.chunk_rows=64"));
            RunSpec spec = RunSpecReader.parse(TinyRun.CONFIG, Path.of("."), remote, "test");
            var factory = (RemoteEngineFactory) EngineFactories.forRun(spec, 1, Map.of(WorkerServer.TOKEN_ENV, "lora-token"));
            RunLauncher.start(spec, onWorkers, factory, LoopEvents.NONE).runner().run();
            workers = factory.workers();
        }

        try (var alloc = new RootAllocator()) {
            List<Rollout> expected = sorted(RunDirectory.open(inProcess).rollouts(alloc).readAll());
            List<Rollout> actual = sorted(RunDirectory.open(onWorkers).rollouts(alloc).readAll());
            assertEquals(2 * 24 * 3, expected.size());
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                Rollout e = expected.get(i), a = actual.get(i);
                String at = "iteration " + e.iteration() + " " + e.problemId() + " sample " + e.sampleIndex();
                assertEquals(key(e), key(a), at);
                assertArrayEquals(e.completionTokens(), a.completionTokens(), at);
                assertEquals(e.text(), a.text(), at);
                for (int j = 0; j < e.logprobs().length; j++) assertEquals(e.logprobs()[j], a.logprobs()[j], 1e-5, at + " token " + j);
            }
        }

        long adapterElements = 0;
        for (String it : List.of("iter-0000", "iter-0001", "iter-0002")) {
            Path checkpoint = Path.of("checkpoints", it);
            for (String file : List.of("adapter/adapter_model.safetensors", "model.safetensors")) {
                SafetensorsFile e = SafetensorsFile.open(inProcess.resolve(checkpoint).resolve(file));
                SafetensorsFile a = SafetensorsFile.open(onWorkers.resolve(checkpoint).resolve(file));
                assertEquals(e.names(), a.names(), it + "/" + file);
                for (String name : e.names())
                    assertArrayEquals(e.toFloatArray(name), a.toFloatArray(name), 1e-5f, it + "/" + file + " " + name);
                if (it.equals("iter-0000") && file.startsWith("adapter/"))
                    for (String name : e.names()) adapterElements += product(e.info(name).shape());
            }
        }

        WorkerStatus generator = workers.stream().filter(w -> w.role().equals("generator")).findFirst().orElseThrow();
        assertTrue(generator.weightSyncs() > 0, "the trained policies reached the generation worker: " + workers);
        assertEquals(generator.weightSyncs() * adapterElements * 4, generator.weightSyncBytes(),
                "each sync moved the float32 adapters and nothing else: " + generator);
        long modelBytes = 4 * LlamaModel.weightShapes(LlamaConfig.tiny(new io.autodidact.engine.CharTokenizer(
                TaskWorkload.of(local).alphabet()).vocabSize(), 48, 2, 4, 2, 32)).values().stream().mapToLong(s -> s.size()).sum();
        assertTrue(adapterElements * 4 * 10 < modelBytes, "adapters " + adapterElements * 4 + " bytes vs the model's " + modelBytes);
    }

    private static long product(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    private static String key(Rollout r) {
        return r.iteration() + "/" + r.problemId() + "/" + r.sampleIndex();
    }

    private static List<Rollout> sorted(List<Rollout> rollouts) {
        return rollouts.stream().sorted(Comparator.comparing(RemoteLoraRunTest::key)).toList();
    }
}
