package io.autodidact.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.flight.FlightConfig;
import io.autodidact.flight.FlightService;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's lean DoGet reader must receive exactly what Arrow's FlightClient receives, from the real server. */
class DoGetReaderTest {

    @TempDir
    Path tmp;

    @Test
    void readerCountsTheSameArrowBytesAsFlightClientAndIsRefusedWithoutAValidToken() throws Exception {
        try (RootAllocator allocator = new RootAllocator()) {
            Path runs = tmp.resolve("runs");
            FlightBench.writeRollouts(runs.resolve("bench"), 6 << 20, 2, allocator); // several parts, batches of ~1.5 MB
            FlightConfig config = FlightConfig.of(List.of("t0k3n")).withHost("localhost").withPort(0).withRoots(runs, tmp.resolve("datasets"));
            try (FlightService service = FlightService.start(config)) {
                ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", service.port()).usePlaintext()
                        .maxInboundMessageSize(Integer.MAX_VALUE).build();
                try (FlightClient client = FlightGrpcUtils.createFlightClient(allocator, channel)) {
                    byte[] ticket = "{\"path\": \"runs/bench/rollouts\"}".getBytes(StandardCharsets.UTF_8);
                    long expected = 0;
                    try (FlightStream stream = client.getStream(new Ticket(ticket), new CredentialCallOption(new BearerCredentialWriter("t0k3n")),
                            CallOptions.timeout(30, TimeUnit.SECONDS))) {
                        while (stream.next()) for (FieldVector v : stream.getRoot().getFieldVectors()) expected += v.getBufferSize();
                    }
                    assertTrue(expected > 6 << 20, "the run holds " + expected + " Arrow bytes");
                    assertEquals(expected, new DoGetReader(channel, "t0k3n", allocator).read(ticket, 30, TimeUnit.SECONDS));

                    var refused = assertThrows(StatusRuntimeException.class,
                            () -> new DoGetReader(channel, "wrong", allocator).read(ticket, 30, TimeUnit.SECONDS));
                    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
        }
    }
}
