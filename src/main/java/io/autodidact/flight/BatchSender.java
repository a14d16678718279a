package io.autodidact.flight;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Sends the record batches of memory-mapped files down one DoGet stream, as they are in the files (loaded into the
 * stream's vectors by reference, handed to gRPC by reference, never decoded or copied on the JVM side until Netty
 * writes them), waiting for the client whenever gRPC's buffer is full so a slow reader cannot make the server buffer a
 * whole run.
 */
final class BatchSender implements AutoCloseable {

    private final ServerStreamListener listener;
    private final VectorSchemaRoot out;
    private final VectorLoader loader;

    BatchSender(ServerStreamListener listener, Schema schema, BufferAllocator allocator) {
        this.listener = listener;
        this.out = VectorSchemaRoot.create(schema, allocator);
        this.loader = new VectorLoader(out);
        // Zero-copy: each message holds a reference on the buffers it was built from until Netty has written it, and a
        // file's buffers are slices of its mapping, so the mapping outlives every message that points into it (however
        // the call ends) and the bytes cannot change under gRPC: the mapping is read-only and parts are replaced by
        // rename. The copy path instead took the bytes through a heap array twice (0.4 CPU-s/GB, docs/benchmarks.md).
        listener.setUseZeroCopy(true);
        listener.start(out);
    }

    /** Sends every batch of {@code file}; false when the client cancelled meanwhile. */
    boolean send(MappedIpcFile file) throws IOException {
        if (!file.schema().getFields().equals(out.getSchema().getFields()))
            throw new IOException(file.file() + " has columns " + file.schema().getFields() + " but this stream sends "
                    + out.getSchema().getFields());
        for (int i = 0; i < file.batchCount(); i++) {
            if (!awaitReady()) return false;
            try (ArrowRecordBatch batch = file.batch(i)) {
                loader.load(batch);
            }
            listener.putNext();
        }
        return true;
    }

    /** Sends whatever {@code root} holds now (same schema as the stream). */
    boolean send(VectorSchemaRoot root) {
        if (!awaitReady()) return false;
        try (ArrowRecordBatch batch = new org.apache.arrow.vector.VectorUnloader(root).getRecordBatch()) {
            loader.load(batch);
        }
        listener.putNext();
        return true;
    }

    boolean cancelled() {
        return listener.isCancelled();
    }

    void complete() {
        listener.completed();
    }

    // Polls rather than waiting for gRPC's onReady callback: that callback runs on the call's serialising executor,
    // which is the thread blocked here, so it arrives only after a timeout (Flight's CallbackBackpressureStrategy
    // measured 0.9 s per batch). isReady() reads the transport's state directly.
    private boolean awaitReady() {
        long pause = 20_000;
        while (!listener.isReady()) {
            if (listener.isCancelled()) return false;
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
        return !listener.isCancelled();
    }

    @Override
    public void close() {
        out.close();
    }
}
