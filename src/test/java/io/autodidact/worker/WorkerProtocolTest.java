package io.autodidact.worker;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.Objective;
import io.autodidact.engine.djl.EngineOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A real worker on loopback, spoken to with a raw Flight client as a foreign (e.g. pyarrow) client would. */
class WorkerProtocolTest {
    static final String V = Integer.toString(WorkerProtocol.VERSION);
    static WorkerServer worker;
    static BufferAllocator allocator;
    static FlightClient client;

    @BeforeAll
    static void start() {
        worker = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("secret"), EngineOptions.defaults().withThreads(1)));
        allocator = new RootAllocator();
        client = FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", worker.port())).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        allocator.close();
        worker.close();
    }

    static CallOption[] options(String version) {
        FlightCallHeaders h = new FlightCallHeaders();
        if (version != null) h.insert(WorkerProtocol.VERSION_HEADER, version);
        return new CallOption[] {new CredentialCallOption(new BearerCredentialWriter("secret")), new HeaderCallOption(h),
                CallOptions.timeout(30, TimeUnit.SECONDS)};
    }

    static String action(String type, String body, String version) {
        var it = client.doAction(new Action(type, body.getBytes(StandardCharsets.UTF_8)), options(version));
        return new String(it.next().getBody(), StandardCharsets.UTF_8);
    }

    @Test
    void workerInfoReportsProtocolVersionDeviceAndFreeMemory() {
        String info = action("worker-info", "{}", V);
        assertTrue(info.contains("\"protocol_version\":" + WorkerProtocol.VERSION), info);
        assertTrue(info.contains("\"device\":\"cpu"), info);
        assertTrue(info.matches(".*\"system_free_bytes\":[1-9].*"), info);
    }

    @Test
    void aProtocolVersionMismatchIsRefusedAtTheFirstCall() {
        var e = assertThrows(FlightRuntimeException.class, () -> action("worker-info", "{}", "2"));
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
        assertTrue(e.getMessage().contains("protocol version mismatch") && e.getMessage().contains("sent 2"), e.getMessage());
        var missing = assertThrows(FlightRuntimeException.class, () -> action("health", "{}", null));
        assertTrue(missing.getMessage().contains("missing header 'autodidact-worker-protocol'"), missing.getMessage());
    }

    @Test
    void anUnknownActionIsUnimplementedAndListsTheActions() {
        var e = assertThrows(FlightRuntimeException.class, () -> action("train-harder", "{}", V));
        assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code());
        assertTrue(e.getMessage().contains("no action 'train-harder'") && e.getMessage().contains("load-model"), e.getMessage());
    }

    @Test
    void requestsNamingAnUnknownModelOrKeyGetClearStatuses() {
        var missing = assertThrows(FlightRuntimeException.class, () -> action("save-checkpoint", "{\"model\":\"nope\",\"path\":\"/tmp/x\"}", V));
        assertEquals(FlightStatusCode.NOT_FOUND, missing.status().code());
        assertTrue(missing.getMessage().contains("no model 'nope'") && missing.getMessage().contains("load-model"), missing.getMessage());
        var typo = assertThrows(FlightRuntimeException.class, () -> action("load-model", "{\"model\":\"a\",\"pth\":\"/tmp\"}", V));
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, typo.status().code());
        assertTrue(typo.getMessage().contains("unknown key \"pth\""), typo.getMessage());
    }

    @Test
    void aGenerateExchangeWithTheWrongSchemaNamesTheExpectedColumns() {
        action("load-model", "{\"model\":\"tiny\",\"replace\":true,\"config\":{\"hidden\":16,\"layers\":1,\"heads\":2,\"kv_heads\":2,"
                + "\"context\":16,\"seed\":1,\"alphabet\":\"0123456789+= \"}}", V);
        Schema wrong = new Schema(List.of(new Field("prompt", FieldType.notNullable(new ArrowType.Int(32, true)), null)));
        byte[] op = "{\"op\":\"generate\",\"model\":\"tiny\",\"sampling\":{\"temperature\":0,\"max_new_tokens\":4}}".getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(FlightRuntimeException.class, () -> {
            try (var ex = client.doExchange(FlightDescriptor.command(op), options(V));
                    VectorSchemaRoot root = VectorSchemaRoot.create(wrong, allocator)) {
                ((IntVector) root.getVector(0)).allocateNew(1);
                ((IntVector) root.getVector(0)).set(0, 3);
                root.setRowCount(1);
                ex.getWriter().start(root);
                ex.getWriter().putNext();
                ex.getWriter().completed();
                while (ex.getReader().next()) {
                    // drain until the error arrives
                }
            }
        });
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
        assertTrue(e.getMessage().contains("generate request: column 0 is prompt: int32 but protocol " + V + " expects prompt_index: int32"), e.getMessage());
        assertTrue(e.getMessage().contains("prompt_tokens: list<int32>"), e.getMessage());
    }

    @Test
    void aLoraModelStreamsOnlyItsAdaptersAndRefusesAFullModelsWeights() throws Exception {
        String config = "\"config\": {\"hidden\": 16, \"layers\": 1, \"heads\": 2, \"kv_heads\": 2, \"context\": 16, \"seed\": 1, \"alphabet\": \"0123456789\"}";
        action("load-model", "{\"model\": \"full\", " + config + ", \"replace\": true}", V);
        String info = action("load-model", "{\"model\": \"adapted\", " + config + ", \"replace\": true, \"lora\": {\"rank\": 2, \"alpha\": 4,"
                + " \"dropout\": 0, \"targets\": [\"q_proj\", \"v_proj\"]}}", V);
        assertTrue(info.contains("\"lora\":true"), info);
        List<String> names = new java.util.ArrayList<>();
        try (var s = client.getStream(new org.apache.arrow.flight.Ticket("{\"op\": \"get-weights\", \"model\": \"adapted\"}".getBytes(StandardCharsets.UTF_8)),
                options(V))) {
            while (s.next())
                for (int i = 0; i < s.getRoot().getRowCount(); i++) names.add(s.getRoot().getVector("name").getObject(i).toString());
        }
        assertEquals(List.of("model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj.lora_B.weight",
                "model.layers.0.self_attn.v_proj.lora_A.weight", "model.layers.0.self_attn.v_proj.lora_B.weight"), names, "the adapters, nothing else");

        try (var s = client.getStream(new org.apache.arrow.flight.Ticket("{\"op\": \"get-weights\", \"model\": \"full\"}".getBytes(StandardCharsets.UTF_8)),
                options(V))) {
            var put = client.startPut(FlightDescriptor.command("{\"op\": \"set-weights\", \"model\": \"adapted\"}".getBytes(StandardCharsets.UTF_8)),
                    s.getRoot(), new org.apache.arrow.flight.SyncPutListener(), options(V));
            while (s.next()) put.putNext();
            put.completed();
            var e = assertThrows(FlightRuntimeException.class, put::getResult);
            assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
            assertTrue(e.getMessage().contains("has LoRA adapters") && e.getMessage().contains("lora_A.weight"), e.getMessage());
        }
    }

    @Test
    void anUnknownExchangeIsUnimplemented() {
        byte[] op = "{\"op\":\"dream\"}".getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(FlightRuntimeException.class, () -> {
            try (var ex = client.doExchange(FlightDescriptor.command(op), options(V));
                    VectorSchemaRoot root = VectorSchemaRoot.create(WorkerProtocol.GENERATE_REQUEST, allocator)) {
                root.setRowCount(0);
                ex.getWriter().start(root);
                ex.getWriter().completed();
                while (ex.getReader().next()) {
                    // drain until the error arrives
                }
            }
        });
        assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code());
        assertTrue(e.getMessage().contains("no exchange 'dream'"), e.getMessage());
    }

    static final String TINY = "{\"hidden\":16,\"layers\":1,\"heads\":2,\"kv_heads\":2,\"context\":16,\"seed\":1,\"alphabet\":\"0123456789+= \"}";

    static void fillTrainRows(VectorSchemaRoot root) {
        root.allocateNew();
        List<int[]> tokens = List.of(new int[] {1, 2, 3, 4, 5}, new int[] {6, 7, 8, 9}, new int[] {2, 4, 6, 8, 10, 1});
        for (int i = 0; i < tokens.size(); i++) {
            ((IntVector) root.getVector(1)).setSafe(i, 2);
            ((Float4Vector) root.getVector(2)).setSafe(i, 1f);
            ((BitVector) root.getVector(6)).setSafe(i, 0);
            ((Float4Vector) root.getVector(7)).setSafe(i, 1f);
        }
        Columns.setInts((ListVector) root.getVector(0), tokens);
        for (int c = 3; c <= 5; c++) Columns.setFloats((ListVector) root.getVector(c), List.of(new float[0], new float[0], new float[0]));
        root.setRowCount(tokens.size());
    }

    /** The loss of one step through the one-call {@code train} exchange. */
    static double trainCall(String model) throws Exception {
        byte[] op = ("{\"op\":\"train\",\"model\":\"" + model + "\",\"learning_rate\":0.05,\"micro_batch_size\":4}").getBytes(StandardCharsets.UTF_8);
        try (var ex = client.doExchange(FlightDescriptor.command(op), options(V)); VectorSchemaRoot root = VectorSchemaRoot.create(WorkerProtocol.TRAIN_REQUEST, allocator)) {
            fillTrainRows(root);
            ex.getWriter().start(root);
            ex.getWriter().putNext();
            ex.getWriter().completed();
            assertTrue(ex.getReader().next());
            return ((Float8Vector) ex.getReader().getRoot().getVector(0)).get(0);
        }
    }

    static ArrowBuf step(long id) {
        byte[] json = WorkerProtocol.bytes(WorkerProtocol.trainStep(id, 0.05, 4, Objective.sft()));
        ArrowBuf b = allocator.buffer(json.length);
        b.writeBytes(json);
        return b;
    }

    @Test
    void aTrainStreamAppliesEachStepOnceAndAnswersEveryBatchWithItsMetrics() throws Exception {
        action("load-model", "{\"model\":\"streamed\",\"replace\":true,\"config\":" + TINY + "}", V);
        action("load-model", "{\"model\":\"called\",\"replace\":true,\"config\":" + TINY + "}", V);
        byte[] op = "{\"op\":\"train-stream\",\"model\":\"streamed\"}".getBytes(StandardCharsets.UTF_8);
        double[] losses = new double[3];
        try (var ex = client.doExchange(FlightDescriptor.command(op), options(V)); VectorSchemaRoot root = VectorSchemaRoot.create(WorkerProtocol.TRAIN_REQUEST, allocator)) {
            ex.getWriter().start(root);
            long[] ids = {1, 1, 2}; // step 1 sent twice, as a client does when the first answer was lost
            for (int i = 0; i < ids.length; i++) {
                fillTrainRows(root);
                ex.getWriter().putNext(step(ids[i]));
                assertTrue(ex.getReader().next(), "an answer to batch " + i);
                VectorSchemaRoot answer = ex.getReader().getRoot();
                assertEquals(1, answer.getRowCount());
                assertEquals(9, ((IntVector) answer.getVector(3)).get(0), "completion tokens trained on in step " + ids[i]);
                losses[i] = ((Float8Vector) answer.getVector(0)).get(0);
            }
            ex.getWriter().completed();
            assertFalse(ex.getReader().next(), "the worker ends the stream when the client does");
        }
        assertEquals(losses[0], losses[1], "step 1 sent again is answered with its metrics, not applied again");
        double first = trainCall("called"), second = trainCall("called");
        assertEquals(first, losses[0], 1e-9, "a streamed step is the train call's step");
        assertEquals(second, losses[2], 1e-9, "step 2 starts from weights that step 1 changed exactly once");
        assertNotEquals(losses[0], losses[2]);
    }

    @Test
    void aTrainStreamBatchWithoutItsStepIsRefused() {
        action("load-model", "{\"model\":\"streamed\",\"replace\":true,\"config\":" + TINY + "}", V);
        byte[] op = "{\"op\":\"train-stream\",\"model\":\"streamed\"}".getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(FlightRuntimeException.class, () -> {
            try (var ex = client.doExchange(FlightDescriptor.command(op), options(V));
                    VectorSchemaRoot root = VectorSchemaRoot.create(WorkerProtocol.TRAIN_REQUEST, allocator)) {
                ex.getWriter().start(root);
                fillTrainRows(root);
                ex.getWriter().putNext();
                ex.getWriter().completed();
                while (ex.getReader().next()) {
                    // drain until the error arrives
                }
            }
        });
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
        assertTrue(e.getMessage().contains("without its step in the app metadata") && e.getMessage().contains("\"learning_rate\""), e.getMessage());
    }
}
