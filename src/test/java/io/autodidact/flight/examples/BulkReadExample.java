package io.autodidact.flight.examples;

import io.autodidact.flight.DoGetReader;
import io.autodidact.flight.FlightChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BitVector;

/**
 * The bulk-read example of {@code flight/protocol.md}: all of a run's rollouts over a {@link FlightChannel} with
 * {@link DoGetReader}, the Java client that copies each record batch once (autodidact's own classes, unlike
 * {@code UploadAndFollowExample}). {@code FlightExamplesTest} runs it against a real server.
 *
 * <pre>java ... BulkReadExample localhost 8815 $AUTODIDACT_API_TOKEN my-run</pre>
 */
public final class BulkReadExample {

    /** Rollout rows received and how many of them were correct. */
    public record Outcome(long rollouts, long correct) {}

    public static void main(String[] args) throws Exception {
        System.out.println(run(args[0], Integer.parseInt(args[1]), args[2], args[3]));
    }

    public static Outcome run(String host, int port, String token, String runId) throws Exception {
        byte[] ticket = ("{\"path\": \"runs/" + runId + "/rollouts\"}").getBytes(StandardCharsets.UTF_8);
        long[] rows = {0, 0};
        try (BufferAllocator allocator = new RootAllocator();
                FlightChannel channel = FlightChannel.connect(host, port, NettyChannelBuilder::usePlaintext)) {
            // Each batch is loaded into the same root; read what you need inside the callback (or transfer the vectors out).
            new DoGetReader(channel.grpc(), token, allocator).read(ticket, Duration.ofMinutes(5), batch -> {
                BitVector correct = (BitVector) batch.getVector("correct");
                for (int i = 0; i < batch.getRowCount(); i++) if (correct.get(i) == 1) rows[1]++;
                rows[0] += batch.getRowCount();
            });
        }
        return new Outcome(rows[0], rows[1]);
    }
}
