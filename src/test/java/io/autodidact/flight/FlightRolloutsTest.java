package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.RewardStats;
import io.autodidact.loop.Rollout;
import io.autodidact.store.RolloutFiles;
import io.autodidact.store.RolloutSchema;
import io.autodidact.store.RunDirectory;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollouts and metrics out of run directories: served from the part files, live with follow, ended with the run. */
class FlightRolloutsTest {

    @TempDir
    Path tmp;

    FlightFixture f;
    RunDirectory run;
    RolloutFiles rollouts;

    @BeforeEach
    void start() throws Exception {
        f = new FlightFixture(tmp);
        run = RunDirectory.create(f.runs.resolve("r1"), Map.<String, Object>of("name", "r1"), Clock.systemUTC());
        rollouts = run.rollouts(f.allocator);
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    /** {@code n} rollouts of {@code iteration} with every column varying (tokens, logprobs, text, flags, errors). */
    static List<Rollout> sample(int iteration, int part, int n) {
        List<Rollout> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = (i + part) % 5;
            int[] completion = new int[len];
            float[] logprobs = new float[len];
            for (int k = 0; k < len; k++) {
                completion[k] = 100 + k + i;
                logprobs[k] = -0.25f * (k + 1);
            }
            out.add(new Rollout(iteration, "p" + part + "-" + i, i % 2, new int[] {1, 2, 3 + i}, completion, logprobs,
                    "text " + i + " ünïcode", i % 3 == 0 ? "eos" : "length", 0.7 + part, i * 0.5, i % 2 == 0, i % 4 == 0,
                    i - 1.5, i == 3 ? "verifier timed out" : ""));
        }
        return out;
    }

    static Ticket ticket(String json) {
        return new Ticket(json.getBytes(StandardCharsets.UTF_8));
    }

    static String tsv(List<Path> files) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (var allocator = new org.apache.arrow.memory.RootAllocator()) {
            for (Path file : files)
                try (ArrowFileReader reader = new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator)) {
                    while (reader.loadNextBatch()) sb.append(reader.getVectorSchemaRoot().contentToTSVString());
                }
        }
        return sb.toString();
    }

    static String streamTsv(FlightStream stream) {
        StringBuilder sb = new StringBuilder();
        while (stream.next()) sb.append(stream.getRoot().contentToTSVString());
        return sb.toString();
    }

    @Test
    void rolloutsRoundTripWithEveryColumnStraightFromThePartFiles() throws Exception {
        Path a = rollouts.write(1, 0, sample(1, 0, 7));
        Path b = rollouts.write(1, 1, sample(1, 1, 5));
        Path c = rollouts.write(2, 0, sample(2, 0, 6));

        FlightInfo info = f.client.getInfo(FlightDescriptor.path("runs", "r1", "rollouts"), FlightFixture.auth());
        assertEquals(18, info.getRecords());
        assertEquals(Files.size(a) + Files.size(b) + Files.size(c), info.getBytes());
        assertEquals(RolloutSchema.VERSION, info.getSchema().getCustomMetadata().get(RolloutSchema.VERSION_KEY));

        try (FlightStream stream = f.client.getStream(info.getEndpoints().getFirst().getTicket(), FlightFixture.auth())) {
            assertEquals(RolloutSchema.schema("r1"), stream.getSchema());
            assertEquals(tsv(List.of(a, b, c)), streamTsv(stream));
        }
        try (FlightStream stream = f.client.getStream(ticket("{\"path\": \"runs/r1/rollouts/1\"}"), FlightFixture.auth())) {
            assertTrue(stream.next());
            VectorSchemaRoot root = stream.getRoot();
            assertEquals(7, root.getRowCount());
            assertEquals(List.of(104, 105, 106, 107), ((ListVector) root.getVector("completion_tokens")).getObject(4));
            assertEquals(List.of(-0.25f, -0.5f), ((ListVector) root.getVector("logprobs")).getObject(2));
            assertEquals("verifier timed out", root.getVector("error").getObject(3).toString());
            assertEquals(1.5, ((Float8Vector) root.getVector("advantage")).get(3));
            assertTrue(stream.next());
            assertEquals(5, stream.getRoot().getRowCount());
            assertFalse(stream.next(), "iteration 1 only");
        }
        FlightStatusCode code = assertThrows(org.apache.arrow.flight.FlightRuntimeException.class,
                () -> f.client.getInfo(FlightDescriptor.path("runs", "r1", "rollouts", "9"), FlightFixture.auth())).status().code();
        assertEquals(FlightStatusCode.NOT_FOUND, code);
    }

    @Test
    void followReceivesPartsWrittenAfterTheStreamStartedAndEndsWhenTheRunEnds() throws Exception {
        rollouts.write(1, 0, sample(1, 0, 3));
        LinkedBlockingQueue<Integer> batches = new LinkedBlockingQueue<>();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        CompletableFuture<Integer> total = CompletableFuture.supplyAsync(() -> {
            int rows = 0;
            try (FlightStream stream = f.client.getStream(ticket("{\"path\": \"runs/r1/rollouts\", \"follow\": true}"), FlightFixture.auth())) {
                while (stream.next()) {
                    rows += stream.getRoot().getRowCount();
                    batches.add(stream.getRoot().getRowCount());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return rows;
        }, reader);
        reader.shutdown();

        assertEquals(3, batches.poll(10, TimeUnit.SECONDS), "the part present at the start comes first");
        rollouts.write(1, 1, sample(1, 1, 4));
        assertEquals(4, batches.poll(10, TimeUnit.SECONDS), "a part written later is delivered live");
        rollouts.write(2, 0, sample(2, 0, 2));
        assertEquals(2, batches.poll(10, TimeUnit.SECONDS), "so is a new iteration's");
        rollouts.rewrite(2, 0, sample(2, 0, 2));
        assertFalse(total.isDone(), "the stream stays open while the run is live");

        rollouts.write(2, 1, sample(2, 1, 5));
        run.writeSummary(Map.of("iterations", 2)); // the run ends
        assertEquals(14, total.get(10, TimeUnit.SECONDS), "the stream ends with the run, after the last part");
        assertEquals(5, batches.poll(), "the part written just before the run ended is delivered");
        assertNull(batches.poll(), "a rewritten part is not sent again");
    }

    @Test
    void followOfAStalledRunEndsAfterTheIdleTimeout() throws Exception {
        rollouts.write(1, 0, sample(1, 0, 3));
        long t0 = System.nanoTime();
        try (FlightStream stream = f.client.getStream(ticket("{\"path\": \"runs/r1/rollouts/1\", \"follow\": true, \"idle_timeout_s\": 0.3}"),
                FlightFixture.auth())) {
            assertTrue(stream.next());
            assertFalse(stream.next());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 0.3 && seconds < 4, "ended after about the idle timeout, took " + seconds + " s");
    }

    @Test
    void metricsComeAsOneRowPerIteration() throws Exception {
        run.metrics().append(new IterationMetrics(0, 0.25, Map.of("1", 0.5), 0, Map.of(), 0, 0, 0, Double.NaN, RewardStats.EMPTY,
                Map.of("EVALUATE", 1.5), Map.of()));
        run.metrics().append(new IterationMetrics(1, 0.5, Map.of("1", 0.75, "2", 0.25), 8, Map.of("1", 1.0), 64, 30, 20, 0.42,
                RewardStats.of(new double[] {0, 1, 1}), Map.of("GENERATE", 3.0), Map.of("temperature", 0.9)));
        try (FlightStream stream = f.client.getStream(ticket("runs/r1/metrics"), FlightFixture.auth())) {
            assertEquals(MetricsTable.VERSION, stream.getSchema().getCustomMetadata().get(DatasetSchema.VERSION_KEY));
            assertTrue(stream.next());
            VectorSchemaRoot root = stream.getRoot();
            assertEquals(2, root.getRowCount());
            assertEquals(1, ((IntVector) root.getVector("iteration")).get(1));
            assertEquals(20, ((IntVector) root.getVector("samples_selected")).get(1));
            assertTrue(Double.isNaN(((Float8Vector) root.getVector("train_loss")).get(0)));
            assertEquals(0.42, ((Float8Vector) root.getVector("train_loss")).get(1));
            assertEquals(2.0 / 3, ((Float8Vector) root.getVector("reward_mean")).get(1), 1e-12);
            assertEquals("[{\"key\":\"1\",\"value\":0.75},{\"key\":\"2\",\"value\":0.25}]",
                    root.getVector("eval_pass1_by_difficulty").getObject(1).toString());
            assertFalse(stream.next());
        }
    }

    @Test
    void runsAreListedAndTheirStatusIsAnAction() throws Exception {
        rollouts.write(1, 0, sample(1, 0, 3));
        run.journal().recordPart(1, "GENERATE", 0, Map.of());
        RunDirectory.create(f.runs.resolve("r2"), Map.<String, Object>of(), Clock.systemUTC()).writeSummary(Map.of("pass1", 0.5));
        Files.createDirectories(f.runs.resolve("not-a-run"));

        List<String> listed = new ArrayList<>();
        for (FlightInfo i : f.client.listFlights(new Criteria(new byte[0]), FlightFixture.auth()))
            listed.add(String.join("/", i.getDescriptor().getPath()));
        assertEquals(List.of("runs/r1/rollouts", "runs/r1/metrics", "runs/r2/rollouts", "runs/r2/metrics"), listed);

        ObjectMapper json = new ObjectMapper();
        JsonNode runs = json.readTree(f.client.doAction(new Action("list-runs"), FlightFixture.auth()).next().getBody()).get("runs");
        assertEquals(2, runs.size());
        assertEquals("r1", runs.get(0).get("run_id").asText());
        assertFalse(runs.get(0).get("ended").asBoolean());
        assertTrue(runs.get(1).get("ended").asBoolean());

        JsonNode status = json.readTree(f.client.doAction(new Action("run-status", "{\"run_id\": \"r1\"}".getBytes(StandardCharsets.UTF_8)),
                FlightFixture.auth()).next().getBody());
        assertEquals(1, status.get("parts").asInt());
        assertEquals("GENERATE", status.get("last").get("stage").asText());
        assertEquals(0, status.get("last").get("part").asInt());
        var e = assertThrows(org.apache.arrow.flight.FlightRuntimeException.class, () -> f.client.doAction(
                new Action("run-status", "nope".getBytes(StandardCharsets.UTF_8)), FlightFixture.auth()).next());
        assertEquals(FlightStatusCode.NOT_FOUND, e.status().code());
    }

    @Test
    void unknownRunIsNotFound() {
        for (String path : List.of("runs/nope/rollouts", "runs/nope/metrics")) {
            var e = assertThrows(org.apache.arrow.flight.FlightRuntimeException.class, () -> {
                try (FlightStream s = f.client.getStream(ticket(path), FlightFixture.auth())) {
                    s.next();
                }
            });
            assertEquals(FlightStatusCode.NOT_FOUND, e.status().code(), path);
        }
        assertEquals(Optional.empty(), Optional.<String>empty());
        assertEquals(OptionalInt.empty(), new FlightPath.Rollouts("r1", OptionalInt.empty()).iteration());
    }
}
