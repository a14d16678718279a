package io.autodidact.flight.examples;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Java client example of {@code flight/protocol.md}: plain Arrow Flight, no autodidact classes. Uploads a
 * dataset, then follows a run's rollouts until the run ends. {@code FlightExamplesTest} runs it against a real server.
 *
 * <pre>java ... UploadAndFollowExample grpc+tcp://localhost:8815 $AUTODIDACT_API_TOKEN my-run</pre>
 */
public final class UploadAndFollowExample {

    /** What the example saw: rows uploaded, rollout rows received, how many of them were correct. */
    public record Outcome(int uploaded, long rollouts, long correct) {}

    public static void main(String[] args) throws Exception {
        Outcome o = run(new Location(args[0]), args[1], "arith-demo", args[2]);
        System.out.println(o);
    }

    public static Outcome run(Location server, String token, String dataset, String runId) throws Exception {
        // Every call carries the bearer token; a deadline keeps a dead server from hanging the client.
        CallOption auth = new CredentialCallOption(new BearerCredentialWriter(token));
        try (BufferAllocator allocator = new RootAllocator();
                FlightClient client = FlightClient.builder(allocator, server).build()) {

            // 1. Upload problems: id and prompt are required; answer, category, difficulty, metadata optional.
            Schema schema = new Schema(List.of(
                    new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
                    new Field("prompt", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
                    new Field("answer", FieldType.nullable(ArrowType.Utf8.INSTANCE), null)));
            int rows = 3;
            try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
                FlightClient.ClientStreamListener put = client.startPut(
                        FlightDescriptor.path("datasets", dataset + "?replace=true"), root, new SyncPutListener(),
                        auth, CallOptions.timeout(60, TimeUnit.SECONDS));
                root.allocateNew();
                for (int i = 0; i < rows; i++) {
                    text(root, "id", i, "q" + i);
                    text(root, "prompt", i, i + " + " + i + " =");
                    text(root, "answer", i, String.valueOf(2 * i));
                }
                root.setRowCount(rows);
                put.putNext();
                put.completed();
                put.getResult(); // throws FlightRuntimeException (INVALID_ARGUMENT, ...) if the server refused it
            }

            // 2. Follow the run's rollouts: batches arrive as the run writes parts; the stream ends with the run.
            Ticket follow = new Ticket(("{\"path\": \"runs/" + runId + "/rollouts\", \"follow\": true}").getBytes(StandardCharsets.UTF_8));
            long received = 0, correct = 0;
            try (FlightStream stream = client.getStream(follow, auth, CallOptions.timeout(10, TimeUnit.MINUTES))) {
                while (stream.next()) {
                    VectorSchemaRoot batch = stream.getRoot();
                    received += batch.getRowCount();
                    for (int i = 0; i < batch.getRowCount(); i++) if (Boolean.TRUE.equals(batch.getVector("correct").getObject(i))) correct++;
                }
            }
            return new Outcome(rows, received, correct);
        }
    }

    private static void text(VectorSchemaRoot root, String column, int row, String value) {
        ((VarCharVector) root.getVector(column)).setSafe(row, value.getBytes(StandardCharsets.UTF_8));
    }
}
