package io.autodidact.flight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One DoPut of a dataset: checks the schema before any data, checks every batch (size, required values, unique ids,
 * JSON metadata), writes the batches as they arrive to a temp Arrow IPC file, and publishes it only once the client
 * has completed the stream. Whatever fails or disconnects, the temp file is removed and nothing becomes visible.
 */
final class DatasetUpload {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an upload stored. */
    record Stored(String name, long rows, long bytes, boolean replaced) {}

    private final DatasetStore store;
    private final long maxBatchBytes;

    DatasetUpload(DatasetStore store, long maxBatchBytes) {
        this.store = store;
        this.maxBatchBytes = maxBatchBytes;
    }

    Stored receive(FlightPath.Dataset path, boolean replace, FlightStream stream) throws IOException {
        String name = path.name();
        boolean existed = store.exists(name);
        if (existed && !replace) throw alreadyExists(name);
        Schema schema = stream.getSchema();
        Optional<String> problem = DatasetSchema.problem(schema);
        if (problem.isPresent())
            throw CallStatus.INVALID_ARGUMENT.withDescription("dataset " + name + ": " + problem.get()).toRuntimeException();

        Path temp = store.tempFile(name);
        try {
            long rows = write(name, stream, temp);
            long bytes = Files.size(temp);
            try {
                store.publish(temp, name, replace);
            } catch (FileAlreadyExistsException e) {
                throw alreadyExists(name);
            }
            return new Stored(name, rows, bytes, existed);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private long write(String name, FlightStream stream, Path temp) throws IOException {
        VectorSchemaRoot incoming = stream.getRoot();
        // A view over the incoming vectors with the version stamped in the schema: the stored file says what it is.
        VectorSchemaRoot stamped = new VectorSchemaRoot(DatasetSchema.stamped(incoming.getSchema()), incoming.getFieldVectors(), 0);
        Map<String, Long> ids = new HashMap<>();
        long rows = 0;
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ArrowFileWriter writer = new ArrowFileWriter(stamped, null, channel);
            writer.start();
            while (stream.next()) {
                long size = batchBytes(incoming);
                if (size > maxBatchBytes)
                    throw CallStatus.RESOURCE_EXHAUSTED.withDescription("dataset " + name + ": a record batch of " + size
                            + " bytes exceeds this server's limit of " + maxBatchBytes + " bytes; send smaller batches"
                            + " (pyarrow: table.to_batches(max_chunksize=...))").toRuntimeException();
                checkValues(name, incoming, rows, ids);
                stamped.setRowCount(incoming.getRowCount());
                writer.writeBatch();
                rows += incoming.getRowCount();
            }
            writer.end();
            channel.force(true);
            writer.close();
        }
        return rows;
    }

    private static void checkValues(String name, VectorSchemaRoot batch, long firstRow, Map<String, Long> ids) {
        ValueVector id = batch.getVector(DatasetSchema.Column.ID.name);
        ValueVector prompt = batch.getVector(DatasetSchema.Column.PROMPT.name);
        ValueVector metadata = batch.getVector(DatasetSchema.Column.METADATA.name);
        for (int i = 0; i < batch.getRowCount(); i++) {
            long row = firstRow + i;
            String idText = required(name, id, i, row);
            required(name, prompt, i, row);
            Long earlier = ids.putIfAbsent(idText, row);
            if (earlier != null)
                throw invalid(name, "row " + row + ": duplicate id '" + idText + "' (first at row " + earlier + "); ids must be unique");
            if (metadata != null && !metadata.isNull(i)) {
                JsonNode parsed;
                try {
                    parsed = JSON.readTree(metadata.getObject(i).toString());
                } catch (IOException e) {
                    parsed = null;
                }
                if (parsed == null || !parsed.isObject())
                    throw invalid(name, "row " + row + ": column 'metadata' must hold a JSON object, e.g. {\"source\": \"gsm8k\"}");
            }
        }
    }

    private static String required(String name, ValueVector column, int index, long row) {
        if (column.isNull(index))
            throw invalid(name, "row " + row + ": column '" + column.getName() + "' is null but is required in every row (utf8)");
        String text = column.getObject(index).toString();
        if (text.isEmpty()) throw invalid(name, "row " + row + ": column '" + column.getName() + "' is empty but is required");
        return text;
    }

    private static long batchBytes(VectorSchemaRoot root) {
        long bytes = 0;
        for (FieldVector v : root.getFieldVectors()) bytes += v.getBufferSize();
        return bytes;
    }

    private static RuntimeException invalid(String name, String message) {
        return CallStatus.INVALID_ARGUMENT.withDescription("dataset " + name + ": " + message).toRuntimeException();
    }

    private static RuntimeException alreadyExists(String name) {
        return CallStatus.ALREADY_EXISTS.withDescription("dataset " + name + " already exists; delete it (action delete-dataset)"
                + " or upload with replace (descriptor datasets/" + name + "?replace=true)").toRuntimeException();
    }
}
