package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.Rollout;
import io.autodidact.store.RolloutFiles;
import io.autodidact.store.RunDirectory;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DoGet hands gRPC the part files' mapped memory by reference: what arrives must be the files' bytes, and however the
 * stream ends every mapping must be released. The run is ~40 MB so a stream is still in flight (beyond every
 * flow-control window) when the client stops reading.
 */
class FlightZeroCopyTest {

    private static final int PARTS = 16;

    @TempDir
    Path tmp;

    FlightFixture f;
    List<Path> parts = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        f = new FlightFixture(tmp);
        RunDirectory run = RunDirectory.create(f.runs.resolve("big"), Map.<String, Object>of("name", "big"), Clock.systemUTC());
        RolloutFiles rollouts = run.rollouts(f.allocator);
        for (int p = 0; p < PARTS; p++) parts.add(rollouts.write(1 + p % 2, p / 2, longRollouts(1 + p % 2, p, 400)));
        run.writeSummary(Map.of("iterations", 2));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    /** {@code n} rollouts of 600 tokens each (~6 KB a row), every value depending on its row. */
    static List<Rollout> longRollouts(int iteration, int part, int n) {
        List<Rollout> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] completion = new int[600];
            float[] logprobs = new float[600];
            for (int k = 0; k < completion.length; k++) {
                completion[k] = part * 1_000_003 + i * 601 + k;
                logprobs[k] = -(k % 97) / 7f - part;
            }
            out.add(new Rollout(iteration, "p" + part + "-" + i, i % 4, new int[] {part, i, 7}, completion, logprobs,
                    "completion " + part + "/" + i + " ".repeat(i % 13), "eos", 0.8, i % 3, i % 2 == 0, false, i * 0.25 - part, ""));
        }
        return out;
    }

    @Test
    void servedBatchesEqualThePartFilesByteForByteAndEveryMappingIsReleasedAfterwards() throws Exception {
        long received = 0;
        try (RootAllocator expectedMemory = new RootAllocator();
                FlightStream stream = f.client.getStream(FlightRolloutsTest.ticket("runs/big/rollouts"), FlightFixture.auth())) {
            for (Path part : sortedByIterationThenPart()) {
                try (ArrowFileReader reader = new ArrowFileReader(FileChannel.open(part, StandardOpenOption.READ), expectedMemory)) {
                    while (reader.loadNextBatch()) {
                        assertTrue(stream.next(), "the stream ended before " + part);
                        VectorSchemaRoot got = stream.getRoot();
                        assertTrue(reader.getVectorSchemaRoot().equals(got), "batch of " + part + " differs from the file");
                        received += got.getRowCount();
                    }
                }
            }
            assertFalse(stream.next(), "nothing beyond the files");
        }
        assertEquals(PARTS * 400L, received);
        assertTrue(f.service.awaitReleased(Duration.ofSeconds(10)),
                "the server still holds " + f.service.arrowBytesHeld() + " bytes after a completed DoGet");
    }

    @Test
    void doGetCancelledHalfWayReleasesEveryBufferOnTheServer() throws Exception {
        try (FlightStream stream = f.client.getStream(FlightRolloutsTest.ticket("runs/big/rollouts"), FlightFixture.auth())) {
            assertTrue(stream.next());
            assertTrue(stream.next());
            assertTrue(f.service.arrowBytesHeld() > 0, "the stream should still be sending when the client gives up");
            stream.cancel("test stops reading half-way", null);
        }
        assertTrue(f.service.awaitReleased(Duration.ofSeconds(10)),
                "the server still holds " + f.service.arrowBytesHeld() + " bytes 10 s after the client cancelled");
    }

    @Test
    void clientDisconnectingMidStreamReleasesEveryBufferOnTheServer() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", f.service.port()).usePlaintext().build();
        try (RootAllocator clientMemory = new RootAllocator();
                FlightClient client = FlightGrpcUtils.createFlightClient(clientMemory, channel)) {
            FlightStream stream = client.getStream(FlightRolloutsTest.ticket("runs/big/rollouts"), FlightFixture.auth());
            assertTrue(stream.next());
            channel.shutdownNow(); // the connection goes away under the stream
            assertTrue(f.service.awaitReleased(Duration.ofSeconds(10)),
                    "the server still holds " + f.service.arrowBytesHeld() + " bytes 10 s after the client disconnected");
            stream.close();
        } catch (IllegalStateException clientLeak) {
            // The client's allocator may report the batch the cut stream still held; only the server is under test.
        }
    }

    /** The order DoGet sends parts in: by iteration, then part. */
    private List<Path> sortedByIterationThenPart() {
        List<Path> sorted = new ArrayList<>();
        for (int iteration = 1; iteration <= 2; iteration++)
            for (int p = 0; p < PARTS; p++) if (1 + p % 2 == iteration) sorted.add(parts.get(p));
        return sorted;
    }
}
