package io.autodidact.engine.remote;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.worker.WorkerProtocol;
import io.autodidact.worker.WorkerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote engines over two real workers on loopback, against the in-process engine on the same inputs. */
class RemoteEngineTest {
    static final String TOKEN = "test-token";
    static final EngineOptions OPTIONS = EngineOptions.defaults().withThreads(1).withMaxBatchRows(64);
    static final CharTokenizer TOKENIZER = new CharTokenizer("0123456789+= \n>");
    static final EngineFactory.ModelShape SHAPE = new EngineFactory.ModelShape(32, 2, 4, 2, 40);
    static WorkerServer a, b;

    @BeforeAll
    static void start() {
        a = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), OPTIONS));
        b = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), OPTIONS));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    static RemoteSettings settings(List<String> workers, String trainer, int chunkRows) {
        return RemoteSettings.of(workers).withChunkRows(chunkRows).withTrainer(trainer);
    }

    static List<int[]> prompts(int count) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(TOKENIZER.encode((i * 37 % 100) + "+" + (i * 11 % 50) + "="));
        return out;
    }

    /**
     * Same samples as far as batch shape allows: tokens, texts and finish reasons equal, logprobs within 1e-5.
     * libtorch's CPU matmul is not batch-invariant (a 4-row and a 64-row batch may sum in different orders), so a
     * re-dispatched remainder decoded in a smaller batch can differ from the in-process run in the last bits of its
     * logits; the random draws, keyed by (prompt, sample), are the same.
     */
    static void assertEquivalentGenerations(List<Generation> expected, List<Generation> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Generation e = expected.get(i), g = actual.get(i);
            String at = "row " + i + " (prompt " + e.promptIndex() + ", sample " + e.sampleIndex() + ")";
            assertEquals(e.promptIndex() + "/" + e.sampleIndex(), g.promptIndex() + "/" + g.sampleIndex(), at);
            assertArrayEquals(e.tokens(), g.tokens(), at);
            assertEquals(e.text(), g.text(), at);
            assertEquals(e.finishReason(), g.finishReason(), at);
            for (int j = 0; j < e.logprobs().length; j++) assertEquals(e.logprobs()[j], g.logprobs()[j], 1e-5, at + " token " + j);
        }
    }

    static void assertSameGenerations(List<Generation> expected, List<Generation> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Generation e = expected.get(i), g = actual.get(i);
            String at = "row " + i + " (prompt " + e.promptIndex() + ", sample " + e.sampleIndex() + ")";
            assertEquals(e.promptIndex(), g.promptIndex(), at);
            assertEquals(e.sampleIndex(), g.sampleIndex(), at);
            assertArrayEquals(e.tokens(), g.tokens(), at);
            assertArrayEquals(e.logprobs(), g.logprobs(), at);
            assertEquals(e.text(), g.text(), at);
            assertEquals(e.finishReason(), g.finishReason(), at);
        }
    }

    @Test
    void generationSpreadOverTwoWorkersEqualsTheInProcessEngine() {
        var remote = new RemoteEngineFactory(settings(List.of(a.address(), b.address()), a.address(), 5), TOKEN);
        SamplingParams params = SamplingParams.sample(3, 1.0, 12, 11);
        try (PolicyEngine local = new DjlEngineFactory(OPTIONS).create(SHAPE, TOKENIZER, 7);
                PolicyEngine engine = remote.create(SHAPE, TOKENIZER, 7)) {
            assertEquals(local.contextLength(), engine.contextLength());
            List<Generation> expected = local.generate(prompts(12), params);
            assertSameGenerations(expected, engine.generate(prompts(12), params));
            List<WorkerStatus> workers = remote.workers();
            assertEquals(2, workers.size());
            for (WorkerStatus w : workers) assertTrue(w.samples() > 0, "both workers took a share: " + workers);
            assertEquals(36, workers.stream().mapToLong(WorkerStatus::samples).sum(), "each sample delivered once: " + workers);
        }
        assertTrue(remote.workers().stream().allMatch(w -> w.state().equals("up")), "last known states stay readable after close");
    }

    @Test
    void logprobsAndSelfCertaintyOnTheTrainerEqualTheInProcessEngine() {
        var remote = new RemoteEngineFactory(settings(List.of(a.address()), a.address(), 64), TOKEN);
        try (PolicyEngine local = new DjlEngineFactory(OPTIONS).create(SHAPE, TOKENIZER, 7);
                PolicyEngine engine = remote.create(SHAPE, TOKENIZER, 7)) {
            List<int[]> prompts = prompts(5);
            List<int[]> completions = List.of(new int[] {1, 2}, new int[] {3}, new int[0], new int[] {4, 5, 6}, new int[] {7});
            double[] expected = local.selfCertainty(prompts, completions);
            double[] actual = engine.selfCertainty(prompts, completions);
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-6, "row " + i);
            assertEquals(0.0, actual[2], "an empty completion");
            List<int[]> nonEmpty = List.of(completions.get(0), completions.get(1), completions.get(3), completions.get(4));
            List<int[]> theirPrompts = List.of(prompts.get(0), prompts.get(1), prompts.get(3), prompts.get(4));
            List<float[]> lp = engine.logprobs(theirPrompts, nonEmpty), lpLocal = local.logprobs(theirPrompts, nonEmpty);
            for (int i = 0; i < lp.size(); i++) assertArrayEquals(lpLocal.get(i), lp.get(i), 1e-6f, "row " + i);
        }
    }

    @Test
    void afterTrainingAGenerationWorkerReceivesTheTrainersWeightsExactly(@TempDir Path tmp) {
        // b only generates, a only trains: every generate after a step needs a weight sync.
        var remote = new RemoteEngineFactory(settings(List.of(b.address()), a.address(), 64), TOKEN);
        try (PolicyEngine base = remote.create(SHAPE, TOKENIZER, 5); PolicyEngine engine = base.fork()) {
            List<TrainSequence> rows = new ArrayList<>();
            for (int[] p : prompts(8)) {
                int[] all = java.util.Arrays.copyOf(p, p.length + 3);
                all[p.length] = 4;
                all[p.length + 1] = 2;
                all[p.length + 2] = TOKENIZER.eosId();
                rows.add(new TrainSequence(all, p.length));
            }
            double first = engine.train(new TrainBatch(rows, 0.01)).loss();
            double last = first;
            for (int s = 0; s < 4; s++) last = engine.train(new TrainBatch(rows, 0.01)).loss();
            assertTrue(last < first, "training on the trainer worker lowers the loss: " + first + " -> " + last);

            engine.generate(prompts(2), SamplingParams.greedy(4));
            WorkerStatus generator = remote.workers().stream().filter(w -> w.address().equals(b.address())).findFirst().orElseThrow();
            long parameters = 0;
            for (var e : io.autodidact.engine.djl.LlamaModel.weightShapes(io.autodidact.engine.djl.LlamaConfig.tiny(TOKENIZER.vocabSize(),
                    32, 2, 4, 2, 40)).values()) parameters += e.size();
            assertEquals(1, generator.weightSyncs(), "one sync for the trained version: " + generator);
            assertEquals(parameters * 4, generator.weightSyncBytes(), "every float32 weight streamed once");

            // The generation worker's copy and the trainer's, saved by each worker, compute the same logits bit for bit.
            String id = ((RemoteEngine) engine).id();
            try (var client = new WorkerClient(b.address(), TOKEN, new org.apache.arrow.memory.RootAllocator())) {
                client.action("save-checkpoint", WorkerProtocol.object().put("model", id).put("path", tmp.resolve("b").toString()), 60_000);
            }
            engine.save(tmp.resolve("a"));
            try (DjlEngine onTrainer = DjlEngine.load(tmp.resolve("a"), OPTIONS); DjlEngine onGenerator = DjlEngine.load(tmp.resolve("b"), OPTIONS);
) {
                List<int[]> ids = List.of(TOKENIZER.encode("12+34=46"), TOKENIZER.encode("99+1=100"));
                assertArrayEquals(onTrainer.logits(ids), onGenerator.logits(ids));
            }
        }
    }

    @Test
    void perRowKlWeightsReachTheTrainerWorkerAndGiveTheInProcessLoss() {
        var remote = new RemoteEngineFactory(settings(List.of(a.address()), a.address(), 64), TOKEN);
        try (PolicyEngine local = new DjlEngineFactory(OPTIONS).create(SHAPE, TOKENIZER, 9); PolicyEngine engine = remote.create(SHAPE, TOKENIZER, 9)) {
            List<int[]> prompts = prompts(4);
            List<int[]> completions = List.of(new int[] {4, 2, 1}, new int[] {3, 1}, new int[] {5, 6, 1}, new int[] {7, 1});
            List<float[]> old = local.logprobs(prompts, completions);
            float[] klWeights = {10f, 0f, 1f, 3f};
            List<TrainSequence> weighted = new ArrayList<>(), plain = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                int[] p = prompts.get(i), c = completions.get(i);
                int[] all = java.util.Arrays.copyOf(p, p.length + c.length);
                System.arraycopy(c, 0, all, p.length, c.length);
                float[] ref = old.get(i).clone();
                for (int j = 0; j < ref.length; j++) ref[j] -= 0.5f * (j + 1);
                TrainSequence row = new TrainSequence(all, p.length, i % 2 == 0 ? 1f : -1f, new float[0], old.get(i), ref);
                plain.add(row);
                weighted.add(row.withKlWeight(klWeights[i]));
            }
            var objective = io.autodidact.engine.Objective.policyGradient(0.2, 0.2, 0.1, io.autodidact.engine.Objective.Averaging.TOKEN, 0);
            // lr 0: the step's loss without moving the weights, so each engine scores both batches from the same point.
            double localWeighted = local.train(new TrainBatch(weighted, 0, objective)).loss();
            double localPlain = local.train(new TrainBatch(plain, 0, objective)).loss();
            double remoteWeighted = engine.train(new TrainBatch(weighted, 0, objective)).loss();
            assertTrue(Math.abs(localWeighted - localPlain) > 1e-4, "the weights change the loss: " + localWeighted + " vs " + localPlain);
            assertEquals(localWeighted, remoteWeighted, 1e-5, "the worker computed the same weighted loss");
        }
    }
}
