package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import com.google.protobuf.ByteString;
import io.autodidact.store.RolloutFiles;
import io.autodidact.store.RunDirectory;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightConstants;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.impl.Flight;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DoGet through {@link DirectResponses}: every batch must reach Netty all-direct (else Netty copies it whole before
 * the socket write), and the bytes on the wire must be exactly those Flight's own server sends for the same run.
 */
class FlightDirectResponsesTest {

    private static final int PARTS = 4;
    private static final int ROWS = 101; // odd, so validity bitmaps need padding, which Flight adds as heap buffers

    @TempDir
    Path tmp;

    FlightFixture f;
    List<Path> parts = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        f = new FlightFixture(tmp);
        RunDirectory run = RunDirectory.create(f.runs.resolve("r"), Map.<String, Object>of("name", "r"), Clock.systemUTC());
        RolloutFiles rollouts = run.rollouts(f.allocator);
        for (int p = 0; p < PARTS; p++) parts.add(rollouts.write(1, p, FlightZeroCopyTest.longRollouts(1, p, ROWS)));
        run.writeSummary(Map.of("iterations", 1));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    @Test
    void everyDoGetBatchLeavesTheServerAllDirectAndArrivesAsTheFilesHoldIt() throws Exception {
        long before = f.service.directDoGetBatches();
        int batches = 0;
        try (RootAllocator expectedMemory = new RootAllocator();
                FlightStream stream = f.client.getStream(FlightRolloutsTest.ticket("runs/r/rollouts"), FlightFixture.auth())) {
            for (Path part : parts) {
                try (ArrowFileReader reader = new ArrowFileReader(FileChannel.open(part, StandardOpenOption.READ), expectedMemory)) {
                    while (reader.loadNextBatch()) {
                        assertTrue(stream.next(), "the stream ended before " + part);
                        assertTrue(reader.getVectorSchemaRoot().equals(stream.getRoot()), "a batch of " + part + " differs from the file");
                        batches++;
                    }
                }
            }
            assertFalse(stream.next(), "nothing beyond the files");
        }
        assertEquals(batches, f.service.directDoGetBatches() - before,
                "every batch must be handed to gRPC all-direct by DirectResponses, or Netty copies it before writing");
        assertTrue(f.service.awaitReleased(Duration.ofSeconds(10)),
                "the server still holds " + f.service.arrowBytesHeld() + " bytes after a completed DoGet");
    }

    @Test
    void doGetMessagesOnTheWireAreExactlyTheBytesFlightsOwnServerSends() throws Exception {
        byte[] ticket = FlightRolloutsTest.ticket("runs/r/rollouts").getBytes();
        List<byte[]> ours = rawDoGet(f.service.port(), ticket);

        // Flight's server as FlightServer builds it, serving the same folders with the same producer, but its own marshaller.
        FlightConfig config = f.service.config().withPort(0);
        try (BufferAllocator allocator = new RootAllocator();
                FlightServer stock = FlightServer.builder(allocator, Location.forGrpcInsecure("localhost", 0),
                        new DataPlaneProducer(config, allocator)).build().start()) {
            List<byte[]> flights = rawDoGet(stock.getPort(), ticket);
            assertEquals(flights.size(), ours.size(), "message count");
            assertTrue(ours.size() > PARTS, "a schema message and at least one batch per part");
            for (int i = 0; i < ours.size(); i++)
                assertArrayEquals(flights.get(i), ours.get(i), "message " + i + " differs from what Flight's own server sends");
            stock.shutdown();
            stock.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The FlightData messages of one DoGet, as the bytes gRPC received, read without Flight's client. */
    private static List<byte[]> rawDoGet(int port, byte[] ticket) throws InterruptedException {
        MethodDescriptor<byte[], byte[]> doGet = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(FlightConstants.SERVICE, "DoGet"))
                .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + FlightFixture.TOKEN);
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", port).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).intercept(MetadataUtils.newAttachHeadersInterceptor(headers)).build();
        try {
            byte[] request = Flight.Ticket.newBuilder().setTicket(ByteString.copyFrom(ticket)).build().toByteArray();
            List<byte[]> messages = new ArrayList<>();
            Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel, doGet, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
                    request);
            it.forEachRemaining(messages::add);
            return messages;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream in) {
            try {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
