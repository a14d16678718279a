package io.autodidact.engine.remote;

import io.autodidact.engine.Generation;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Round-trips rollouts through a worker's {@code echo} exchange: Arrow encoding, Flight both ways and decoding, the
 * path every generated sample takes, without a model in the way. {@code bench workers} measures the protocol's
 * transfer throughput with it.
 */
public final class ExchangeProbe implements AutoCloseable {
    private final BufferAllocator allocator = new RootAllocator();
    private final WorkerClient client;

    public ExchangeProbe(String address, String token) {
        RemoteSettings.checkAddress("address", address);
        if (token == null || token.isBlank()) throw new IllegalArgumentException("token: give the worker's bearer token");
        client = new WorkerClient(address, token.strip(), allocator);
    }

    /** What came back, decoded, and the Arrow body bytes that moved (both directions). */
    public record Echo(List<Generation> rows, long bytes) {}

    /** Sends {@code rows} in batches of {@code batchRows} and reads them back. */
    public Echo echo(List<Generation> rows, int batchRows) {
        if (batchRows < 1) throw new IllegalArgumentException("batchRows must be >= 1, got " + batchRows);
        List<Generation> back = new ArrayList<>(rows.size());
        long bytes = client.echoRollouts(rows, batchRows, back, 600_000);
        if (back.size() != rows.size())
            throw new IllegalStateException("echo on " + client.address() + " returned " + back.size() + " of " + rows.size() + " rollouts");
        return new Echo(back, bytes);
    }

    @Override
    public void close() {
        client.close();
        allocator.close();
    }
}
