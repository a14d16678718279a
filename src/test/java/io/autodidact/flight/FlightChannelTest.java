package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.bench.FlightBench;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A FlightChannel's receive path (reads handed on in place, 64 KiB frames) must deliver exactly what a stock client gets. */
class FlightChannelTest {

    private static final String TOKEN = "t0k3n";
    private static final byte[] ALL = "{\"path\": \"runs/bench/rollouts\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void batchesSpanningManyFramesAndReadsArriveEqualToAStockClientsWithReadsTakenInPlace() throws Exception {
        try (BufferAllocator allocator = new RootAllocator(); FlightService service = start(allocator)) {
            try (FlightChannel channel = FlightChannel.connect("localhost", service.port(), NettyChannelBuilder::usePlaintext);
                    FlightClient stock = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", service.port())).build();
                    FlightStream expected = stock.getStream(new Ticket(ALL), new CredentialCallOption(new BearerCredentialWriter(TOKEN)),
                            CallOptions.timeout(30, TimeUnit.SECONDS))) {
                int[] batches = {0};
                long bytes = new DoGetReader(channel.grpc(), TOKEN, allocator).read(ALL, Duration.ofSeconds(30), root -> {
                    assertTrue(expected.next(), "the stock client's stream ended before batch " + batches[0]);
                    assertTrue(root.equals(expected.getRoot()), "batch " + batches[0] + " differs from the stock client's");
                    batches[0]++;
                });
                assertFalse(expected.next(), "the stock client received more batches than " + batches[0]);
                assertEquals(2, batches[0]);
                // Each batch spans hundreds of 64 KiB frames and many socket reads, so frames were left incomplete at the
                // end of reads and their start taken into the next read's headroom.
                assertTrue(bytes > 20 * ReceiveBuffers.MAX_READ, "received " + bytes + " bytes");
                assertTrue(channel.readsInPlace() > 10, "reads handed on in place: " + channel.readsInPlace());
            }
        }
    }

    @Test
    void arrowsFlightClientOverTheChannelReadsTheSameRollouts() throws Exception {
        try (BufferAllocator allocator = new RootAllocator(); FlightService service = start(allocator);
                FlightChannel channel = FlightChannel.connect("localhost", service.port(), NettyChannelBuilder::usePlaintext)) {
            long viaChannel, viaReader;
            try (FlightClient client = channel.flightClient(allocator);
                    FlightStream stream = client.getStream(new Ticket(ALL), new CredentialCallOption(new BearerCredentialWriter(TOKEN)),
                            CallOptions.timeout(30, TimeUnit.SECONDS))) {
                long rows = 0;
                while (stream.next()) rows += stream.getRoot().getRowCount();
                viaChannel = rows;
            }
            long[] rows = {0};
            new DoGetReader(channel.grpc(), TOKEN, allocator).read(ALL, Duration.ofSeconds(30), root -> rows[0] += root.getRowCount());
            viaReader = rows[0];
            assertEquals(viaReader, viaChannel);
            assertTrue(viaReader > 1000, "rows: " + viaReader);
        }
    }

    @Test
    void aConsumerThatThrowsEndsTheCallAndLeavesNoArrowMemoryHeld() throws Exception {
        try (BufferAllocator allocator = new RootAllocator(); FlightService service = start(allocator);
                FlightChannel channel = FlightChannel.connect("localhost", service.port(), NettyChannelBuilder::usePlaintext);
                BufferAllocator client = allocator.newChildAllocator("client", 0, Long.MAX_VALUE)) {
            DoGetReader reader = new DoGetReader(channel.grpc(), TOKEN, client);
            var thrown = assertThrows(IllegalStateException.class, () -> reader.read(ALL, Duration.ofSeconds(30), root -> {
                throw new IllegalStateException("stop after the first batch");
            }));
            assertEquals("stop after the first batch", thrown.getMessage());
            assertEquals(0, client.getAllocatedMemory(), "bodies received before the cancel must be released");
            assertTrue(service.awaitReleased(Duration.ofSeconds(10)), "the server must end the cancelled call and release its mappings");
            // The channel stays usable.
            assertTrue(reader.read(ALL, Duration.ofSeconds(30), root -> {}) > 20 << 20);
        }
    }

    @Test
    void refusesABadPortNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> FlightChannel.connect("localhost", 0, NettyChannelBuilder::usePlaintext));
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }

    private FlightService start(BufferAllocator allocator) {
        Path runs = tmp.resolve("runs");
        FlightBench.writeRollouts(runs.resolve("bench"), 20 << 20, 2, allocator); // two parts: batches of ~18 MB
        return FlightService.start(FlightConfig.of(List.of(TOKEN)).withHost("localhost").withPort(0).withRoots(runs, tmp.resolve("datasets")));
    }
}
