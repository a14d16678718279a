package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DoPut through {@link UploadParser}: many batches, zero-copy senders, metadata and empty batches arrive exactly. */
class FlightUploadTest {

    @TempDir
    Path tmp;

    FlightFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new FlightFixture(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    @Test
    void uploadOfManyBatchesRoundTripsExactlyAndIsParsedByUploadParser() throws Exception {
        long before = f.service.leanUploadBatches();
        String sent = FlightDatasetTest.upload(f.client, FlightDescriptor.path("datasets", "many"), 803); // 201 batches, the last of 3 rows

        FlightInfo info = f.client.getInfo(FlightDescriptor.path("datasets", "many"), FlightFixture.auth());
        assertEquals(803, info.getRecords());
        assertEquals(withoutHeaders(sent), withoutHeaders(FlightDatasetTest.readAll(f.client, info)));
        assertEquals(201, f.service.leanUploadBatches() - before,
                "every batch must be parsed by UploadParser, not by Flight's heap-copying parser");
    }

    @Test
    void zeroCopySenderWithApplicationMetadataAndEmptyBatchesRoundTripsExactly() throws Exception {
        StringBuilder sent = new StringBuilder();
        try (BufferAllocator allocator = new RootAllocator();
                VectorSchemaRoot root = VectorSchemaRoot.create(FlightDatasetTest.fullSchema(), allocator)) {
            SyncPutListener ack = new SyncPutListener();
            FlightClient.ClientStreamListener put = f.client.startPut(FlightDescriptor.path("datasets", "mixed"), root, ack,
                    FlightFixture.auth());
            // The sender hands its buffers to gRPC; fill() allocates new ones for every batch, as zero-copy requires.
            put.setUseZeroCopy(true);
            int from = 0;
            for (int batch = 0; batch < 30; batch++) {
                int rows = batch % 5 == 0 ? 0 : 1 + batch * 7 % 40;
                FlightDatasetTest.fill(root, from, rows);
                sent.append(root.contentToTSVString());
                ArrowBuf metadata = allocator.buffer(16);
                metadata.writeBytes(("batch " + batch).getBytes(StandardCharsets.UTF_8));
                put.putNext(metadata); // the server ignores it, but must parse past it
                from += rows;
            }
            put.completed();
            put.getResult();

            FlightInfo info = f.client.getInfo(FlightDescriptor.path("datasets", "mixed"), FlightFixture.auth());
            assertEquals(from, info.getRecords());
            assertEquals(withoutHeaders(sent.toString()), withoutHeaders(FlightDatasetTest.readAll(f.client, info)));
        }
        assertTrue(f.service.awaitReleased(java.time.Duration.ofSeconds(5)), "the server must free every uploaded body");
    }

    private static String withoutHeaders(String tsv) {
        return tsv.replaceAll("(?m)^id\t.*\n", "");
    }
}
