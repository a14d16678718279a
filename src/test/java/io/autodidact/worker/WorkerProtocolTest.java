package io.autodidact.worker;

import static org.junit.jupiter.api.Assertions.*;

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
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
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
        String info = action("worker-info", "{}", "3");
        assertTrue(info.contains("\"protocol_version\":3"), info);
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
        var e = assertThrows(FlightRuntimeException.class, () -> action("train-harder", "{}", "3"));
        assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code());
        assertTrue(e.getMessage().contains("no action 'train-harder'") && e.getMessage().contains("load-model"), e.getMessage());
    }

    @Test
    void requestsNamingAnUnknownModelOrKeyGetClearStatuses() {
        var missing = assertThrows(FlightRuntimeException.class, () -> action("save-checkpoint", "{\"model\":\"nope\",\"path\":\"/tmp/x\"}", "3"));
        assertEquals(FlightStatusCode.NOT_FOUND, missing.status().code());
        assertTrue(missing.getMessage().contains("no model 'nope'") && missing.getMessage().contains("load-model"), missing.getMessage());
        var typo = assertThrows(FlightRuntimeException.class, () -> action("load-model", "{\"model\":\"a\",\"pth\":\"/tmp\"}", "3"));
        assertEquals(FlightStatusCode.INVALID_ARGUMENT, typo.status().code());
        assertTrue(typo.getMessage().contains("unknown key \"pth\""), typo.getMessage());
    }

    @Test
    void aGenerateExchangeWithTheWrongSchemaNamesTheExpectedColumns() {
        action("load-model", "{\"model\":\"tiny\",\"replace\":true,\"config\":{\"hidden\":16,\"layers\":1,\"heads\":2,\"kv_heads\":2,"
                + "\"context\":16,\"seed\":1,\"alphabet\":\"0123456789+= \"}}", "3");
        Schema wrong = new Schema(List.of(new Field("prompt", FieldType.notNullable(new ArrowType.Int(32, true)), null)));
        byte[] op = "{\"op\":\"generate\",\"model\":\"tiny\",\"sampling\":{\"temperature\":0,\"max_new_tokens\":4}}".getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(FlightRuntimeException.class, () -> {
            try (var ex = client.doExchange(FlightDescriptor.command(op), options("3"));
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
        assertTrue(e.getMessage().contains("generate request: column 0 is prompt: int32 but protocol 3 expects prompt_index: int32"), e.getMessage());
        assertTrue(e.getMessage().contains("prompt_tokens: list<int32>"), e.getMessage());
    }

    @Test
    void aLoraModelStreamsOnlyItsAdaptersAndRefusesAFullModelsWeights() throws Exception {
        String config = "\"config\": {\"hidden\": 16, \"layers\": 1, \"heads\": 2, \"kv_heads\": 2, \"context\": 16, \"seed\": 1, \"alphabet\": \"0123456789\"}";
        action("load-model", "{\"model\": \"full\", " + config + ", \"replace\": true}", "3");
        String info = action("load-model", "{\"model\": \"adapted\", " + config + ", \"replace\": true, \"lora\": {\"rank\": 2, \"alpha\": 4,"
                + " \"dropout\": 0, \"targets\": [\"q_proj\", \"v_proj\"]}}", "3");
        assertTrue(info.contains("\"lora\":true"), info);
        List<String> names = new java.util.ArrayList<>();
        try (var s = client.getStream(new org.apache.arrow.flight.Ticket("{\"op\": \"get-weights\", \"model\": \"adapted\"}".getBytes(StandardCharsets.UTF_8)),
                options("3"))) {
            while (s.next())
                for (int i = 0; i < s.getRoot().getRowCount(); i++) names.add(s.getRoot().getVector("name").getObject(i).toString());
        }
        assertEquals(List.of("model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj.lora_B.weight",
                "model.layers.0.self_attn.v_proj.lora_A.weight", "model.layers.0.self_attn.v_proj.lora_B.weight"), names, "the adapters, nothing else");

        try (var s = client.getStream(new org.apache.arrow.flight.Ticket("{\"op\": \"get-weights\", \"model\": \"full\"}".getBytes(StandardCharsets.UTF_8)),
                options("3"))) {
            var put = client.startPut(FlightDescriptor.command("{\"op\": \"set-weights\", \"model\": \"adapted\"}".getBytes(StandardCharsets.UTF_8)),
                    s.getRoot(), new org.apache.arrow.flight.SyncPutListener(), options("3"));
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
            try (var ex = client.doExchange(FlightDescriptor.command(op), options("3"));
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
}
