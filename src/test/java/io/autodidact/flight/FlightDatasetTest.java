package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.Problem;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.task.ProblemReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Datasets over Flight: uploads that appear whole or not at all, read back bit for bit, with errors as Flight statuses. */
class FlightDatasetTest {

    @TempDir
    Path tmp;

    FlightFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new FlightFixture(tmp, c -> c.withMaxBatchBytes(64 * 1024));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    static Field utf8(String name) {
        return new Field(name, FieldType.nullable(ArrowType.Utf8.INSTANCE), null);
    }

    /** Every accepted column type, nulls in the optional ones, and extra columns of other types. */
    static Schema fullSchema() {
        return new Schema(List.of(
                utf8("id"), utf8("prompt"), utf8("answer"), utf8("category"),
                new Field("difficulty", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null),
                utf8("metadata"),
                new Field("n_steps", FieldType.nullable(new ArrowType.Int(64, true)), null),
                new Field("weight", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null),
                new Field("hard", FieldType.nullable(ArrowType.Bool.INSTANCE), null),
                new Field("hint_tokens", FieldType.nullable(ArrowType.List.INSTANCE),
                        List.of(new Field("item", FieldType.nullable(new ArrowType.Int(32, true)), null)))));
    }

    /** {@code rows} problems starting at {@code from}; every third has no answer, category or metadata. */
    static VectorSchemaRoot problems(BufferAllocator allocator, int from, int rows) {
        VectorSchemaRoot root = VectorSchemaRoot.create(fullSchema(), allocator);
        fill(root, from, rows);
        return root;
    }

    static void fill(VectorSchemaRoot root, int from, int rows) {
        root.allocateNew();
        for (int r = 0; r < rows; r++) {
            int i = from + r;
            set(root, "id", r, "p" + i);
            set(root, "prompt", r, i + " + " + i + " = ? (unicode: é≠)");
            boolean sparse = i % 3 == 2;
            set(root, "answer", r, sparse ? null : String.valueOf(2 * i));
            set(root, "category", r, sparse ? null : "add");
            Float4Vector difficulty = (Float4Vector) root.getVector("difficulty");
            if (sparse) difficulty.setNull(r); else difficulty.setSafe(r, 0.5f + i);
            set(root, "metadata", r, sparse ? null : "{\"source\": \"unit\", \"i\": " + i + "}");
            ((BigIntVector) root.getVector("n_steps")).setSafe(r, 10L * i);
            ((Float8Vector) root.getVector("weight")).setSafe(r, i / 7.0);
            ((BitVector) root.getVector("hard")).setSafe(r, i % 2);
            ListVector hints = (ListVector) root.getVector("hint_tokens");
            int at = hints.startNewValue(r);
            for (int k = 0; k < i % 4; k++) ((IntVector) hints.getDataVector()).setSafe(at + k, i * 10 + k);
            hints.endValue(r, i % 4);
        }
        root.setRowCount(rows);
    }

    static void set(VectorSchemaRoot root, String column, int row, String value) {
        VarCharVector v = (VarCharVector) root.getVector(column);
        if (value == null) v.setNull(row); else v.setSafe(row, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Uploads the batches {@code [0, 4) [4, 8) ...} of {@code total} rows; returns the TSV of everything sent. */
    static String upload(FlightClient client, FlightDescriptor descriptor, int total) {
        StringBuilder sent = new StringBuilder();
        try (BufferAllocator allocator = new org.apache.arrow.memory.RootAllocator();
                VectorSchemaRoot root = VectorSchemaRoot.create(fullSchema(), allocator)) {
            SyncPutListener ack = new SyncPutListener();
            FlightClient.ClientStreamListener put = client.startPut(descriptor, root, ack, FlightFixture.auth());
            for (int from = 0; from < total; from += 4) {
                fill(root, from, Math.min(4, total - from));
                sent.append(root.contentToTSVString());
                put.putNext();
            }
            put.completed();
            put.getResult();
        }
        return sent.toString();
    }

    static String readAll(FlightClient client, FlightInfo info) throws Exception {
        StringBuilder got = new StringBuilder();
        try (FlightStream stream = client.getStream(info.getEndpoints().getFirst().getTicket(), FlightFixture.auth())) {
            while (stream.next()) got.append(stream.getRoot().contentToTSVString());
        }
        return got.toString();
    }

    static FlightRuntimeException fails(FlightStatusCode code, org.junit.jupiter.api.function.Executable call) {
        FlightRuntimeException e = assertThrows(FlightRuntimeException.class, call);
        assertEquals(code, e.status().code(), e.getMessage());
        return e;
    }

    List<String> datasetFolder() throws Exception {
        try (Stream<Path> files = Files.list(f.datasets)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void uploadedDatasetReadsBackIdenticallyWithEveryColumnTypeAndIsUsableByTheLoop() throws Exception {
        String sent = upload(f.client, FlightDescriptor.path("datasets", "adds"), 10);

        FlightInfo info = f.client.getInfo(FlightDescriptor.path("datasets/adds"), FlightFixture.auth());
        assertEquals(10, info.getRecords());
        assertEquals(Files.size(f.datasets.resolve("adds.arrow")), info.getBytes());
        assertEquals(fullSchema().getFields(), info.getSchema().getFields());
        assertEquals(DatasetSchema.VERSION, info.getSchema().getCustomMetadata().get(DatasetSchema.VERSION_KEY));
        assertEquals(info.getSchema(), f.client.getSchema(FlightDescriptor.path("datasets", "adds"), FlightFixture.auth()).getSchema());

        assertEquals(sent.replaceAll("(?m)^id\t.*\n", ""), readAll(f.client, info).replaceAll("(?m)^id\t.*\n", ""));

        List<Problem> problems = ProblemReader.read(f.datasets.resolve("adds.arrow"));
        assertEquals(10, problems.size());
        Problem p1 = problems.get(1);
        assertEquals("p1", p1.id());
        assertEquals("2", p1.answer().orElseThrow());
        assertEquals(1.5, p1.difficulty().orElseThrow(), 1e-6);
        assertEquals("unit", p1.metadata().get("source"), "metadata JSON becomes the problem's metadata");
        assertEquals("10", p1.metadata().get("n_steps"), "extra columns are kept as metadata");
        assertTrue(problems.get(2).answer().isEmpty());

        Path config = Files.writeString(tmp.resolve("run.yaml"), "task: {dataset: \"flight://datasets/adds\"}\n");
        RunSpec spec = RunSpecReader.parse(Files.readString(config), tmp, List.of(), "run.yaml", f.datasets);
        assertEquals(f.datasets.resolve("adds.arrow"), spec.task().dataset().orElseThrow());
        RunSpec byName = RunSpecReader.parse("task: {dataset: adds}\n", tmp, List.of(), "run.yaml", f.datasets);
        assertEquals(f.datasets.resolve("adds.arrow"), byName.task().dataset().orElseThrow());
        var missing = assertThrows(RuntimeException.class,
                () -> RunSpecReader.parse("task: {dataset: \"flight://datasets/nope\"}\n", tmp, List.of(), "run.yaml", f.datasets));
        assertTrue(missing.getMessage().contains("no uploaded dataset 'nope'"), missing.getMessage());
    }

    @Test
    void existingNameIsRefusedUnlessReplaceIsAsked() throws Exception {
        upload(f.client, FlightDescriptor.path("datasets", "d"), 4);
        var e = fails(FlightStatusCode.ALREADY_EXISTS, () -> upload(f.client, FlightDescriptor.path("datasets", "d"), 8));
        assertTrue(e.getMessage().contains("replace=true"), e.getMessage());
        assertEquals(4, f.client.getInfo(FlightDescriptor.path("datasets", "d"), FlightFixture.auth()).getRecords());

        upload(f.client, FlightDescriptor.path("datasets", "d?replace=true"), 8);
        assertEquals(8, f.client.getInfo(FlightDescriptor.path("datasets", "d"), FlightFixture.auth()).getRecords());
        upload(f.client, FlightDescriptor.command("{\"path\": \"datasets/d\", \"replace\": true}".getBytes(StandardCharsets.UTF_8)), 3);
        assertEquals(3, f.client.getInfo(FlightDescriptor.path("datasets", "d"), FlightFixture.auth()).getRecords());
        assertEquals(List.of("d.arrow"), datasetFolder());
    }

    @Test
    void missingRequiredColumnIsInvalidArgumentNamingColumnAndType() throws Exception {
        Schema noPrompt = new Schema(List.of(utf8("id"), utf8("answer")));
        var e = fails(FlightStatusCode.INVALID_ARGUMENT, () -> putEmpty(noPrompt, "bad"));
        assertTrue(e.getMessage().contains("'prompt'") && e.getMessage().contains("utf8"), e.getMessage());
        assertEquals(List.of(), datasetFolder(), "nothing half-written");
    }

    @Test
    void wrongColumnTypeIsInvalidArgumentNamingColumnAndExpectedType() throws Exception {
        Schema intDifficulty = new Schema(List.of(utf8("id"), utf8("prompt"),
                new Field("difficulty", FieldType.nullable(new ArrowType.Int(64, true)), null)));
        var e = fails(FlightStatusCode.INVALID_ARGUMENT, () -> putEmpty(intDifficulty, "bad"));
        assertTrue(e.getMessage().contains("'difficulty'") && e.getMessage().contains("float32 or float64"), e.getMessage());
        assertEquals(List.of(), datasetFolder());
    }

    @Test
    void nullPromptInARowIsInvalidArgumentAndNothingIsStored() throws Exception {
        try (VectorSchemaRoot root = problems(f.allocator, 0, 4)) {
            set(root, "prompt", 2, null);
            SyncPutListener ack = new SyncPutListener();
            FlightClient.ClientStreamListener put = f.client.startPut(FlightDescriptor.path("datasets", "holes"), root, ack, FlightFixture.auth());
            put.putNext();
            put.completed();
            var e = fails(FlightStatusCode.INVALID_ARGUMENT, put::getResult);
            assertTrue(e.getMessage().contains("row 2") && e.getMessage().contains("'prompt'"), e.getMessage());
        }
        assertEquals(List.of(), datasetFolder());
    }

    @Test
    void batchOverTheConfiguredSizeIsResourceExhaustedAndNothingIsStored() throws Exception {
        try (VectorSchemaRoot root = problems(f.allocator, 0, 4)) {
            set(root, "prompt", 0, "x".repeat(100 * 1024));
            SyncPutListener ack = new SyncPutListener();
            FlightClient.ClientStreamListener put = f.client.startPut(FlightDescriptor.path("datasets", "big"), root, ack, FlightFixture.auth());
            put.putNext();
            put.completed();
            var e = fails(FlightStatusCode.RESOURCE_EXHAUSTED, put::getResult);
            assertTrue(e.getMessage().contains("exceeds") && e.getMessage().contains(String.valueOf(64 * 1024)), e.getMessage());
        }
        assertEquals(List.of(), datasetFolder());
    }

    @Test
    void interruptedUploadLeavesNothingBehind() throws Exception {
        try (VectorSchemaRoot root = problems(f.allocator, 0, 4)) {
            SyncPutListener ack = new SyncPutListener();
            FlightClient.ClientStreamListener put = f.client.startPut(FlightDescriptor.path("datasets", "cut"), root, ack, FlightFixture.auth());
            put.putNext();
            fill(root, 4, 4);
            put.putNext();
            awaitTempFile();
            put.error(new RuntimeException("client disconnects half-way"));
            assertThrows(FlightRuntimeException.class, put::getResult);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!datasetFolder().isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(List.of(), datasetFolder(), "neither the dataset nor its temp file remains");
        fails(FlightStatusCode.NOT_FOUND, () -> f.client.getInfo(FlightDescriptor.path("datasets", "cut"), FlightFixture.auth()));
    }

    private void awaitTempFile() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (datasetFolder().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the server never started writing the upload");
            Thread.sleep(10);
        }
    }

    @Test
    void twoClientsUploadingTheSameNameAtOnceEndWithExactlyOneWholeDataset() throws Exception {
        CountDownLatch bothStarted = new CountDownLatch(2);
        List<CompletableFuture<Integer>> uploads = new ArrayList<>();
        // Two threads of our own: the common pool may have one on a 2-core machine, which would serialise the uploads.
        ExecutorService clients = Executors.newFixedThreadPool(2);
        for (int c = 0; c < 2; c++) {
            int rows = c == 0 ? 6 : 9;
            uploads.add(CompletableFuture.supplyAsync(() -> {
                try (VectorSchemaRoot root = problems(f.allocator, 0, rows)) {
                    SyncPutListener ack = new SyncPutListener();
                    FlightClient.ClientStreamListener put = f.client.startPut(FlightDescriptor.path("datasets", "race"), root, ack,
                            FlightFixture.auth());
                    put.putNext();
                    bothStarted.countDown();
                    assertTrue(bothStarted.await(10, TimeUnit.SECONDS), "both uploads are under way before either completes");
                    put.completed();
                    put.getResult();
                    return rows;
                } catch (FlightRuntimeException e) {
                    assertEquals(FlightStatusCode.ALREADY_EXISTS, e.status().code(), e.getMessage());
                    return -1;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, clients));
        }
        clients.shutdown();
        List<Integer> outcomes = new ArrayList<>();
        for (var u : uploads) outcomes.add(u.get(30, TimeUnit.SECONDS));
        assertEquals(1, outcomes.stream().filter(r -> r > 0).count(), "exactly one upload succeeds: " + outcomes);
        int winner = outcomes.stream().filter(r -> r > 0).findFirst().orElseThrow();
        assertEquals(winner, f.client.getInfo(FlightDescriptor.path("datasets", "race"), FlightFixture.auth()).getRecords(),
                "the stored dataset is the winner's, whole");
        assertEquals(List.of("race.arrow"), datasetFolder());
    }

    @Test
    void listFlightsListsDatasetsAndDeleteDatasetRemovesOne() throws Exception {
        upload(f.client, FlightDescriptor.path("datasets", "a"), 2);
        upload(f.client, FlightDescriptor.path("datasets", "b"), 3);
        List<String> listed = new ArrayList<>();
        for (FlightInfo i : f.client.listFlights(new Criteria("datasets/".getBytes(StandardCharsets.UTF_8)), FlightFixture.auth()))
            listed.add(String.join("/", i.getDescriptor().getPath()) + ":" + i.getRecords());
        assertEquals(List.of("datasets/a:2", "datasets/b:3"), listed);

        var answer = f.client.doAction(new Action("delete-dataset", "{\"name\": \"a\"}".getBytes(StandardCharsets.UTF_8)), FlightFixture.auth());
        assertEquals("{\"deleted\":\"a\"}", new String(answer.next().getBody(), StandardCharsets.UTF_8));
        assertEquals(List.of("b.arrow"), datasetFolder());
        fails(FlightStatusCode.NOT_FOUND, () -> f.client.doAction(new Action("delete-dataset", "a".getBytes(StandardCharsets.UTF_8)),
                FlightFixture.auth()).next());
    }

    @Test
    void unknownPathsAreNotFound() {
        fails(FlightStatusCode.NOT_FOUND, () -> f.client.getInfo(FlightDescriptor.path("datasets", "nope"), FlightFixture.auth()));
        fails(FlightStatusCode.NOT_FOUND, () -> f.client.getInfo(FlightDescriptor.path("models", "x"), FlightFixture.auth()));
        fails(FlightStatusCode.NOT_FOUND, () -> {
            try (FlightStream s = f.client.getStream(FlightRequest.of(new FlightPath.Dataset("nope")).toTicket(), FlightFixture.auth())) {
                s.next();
            }
        });
    }

    private void putEmpty(Schema schema, String name) {
        try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, f.allocator)) {
            SyncPutListener ack = new SyncPutListener();
            FlightClient.ClientStreamListener put = f.client.startPut(FlightDescriptor.path("datasets", name), root, ack, FlightFixture.auth());
            root.setRowCount(0);
            put.putNext();
            put.completed();
            put.getResult();
        }
    }
}
