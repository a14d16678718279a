package io.autodidact.task;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** Writes a list of values as an Arrow IPC file, in record batches of bounded size. */
final class ArrowTableWriter {
    static final int BATCH_ROWS = 16_384;

    /** Sets row {@code index} of {@code root}'s vectors from {@code item}. */
    interface Filler<T> {
        void fill(VectorSchemaRoot root, int index, T item);
    }

    private ArrowTableWriter() {}

    static <T> void write(Path file, Schema schema, List<T> items, Filler<T> filler) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (BufferAllocator allocator = new RootAllocator();
                    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
                    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                    ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
                writer.start();
                for (int from = 0; from < items.size(); from += BATCH_ROWS) {
                    int rows = Math.min(BATCH_ROWS, items.size() - from);
                    root.allocateNew();
                    for (int i = 0; i < rows; i++) filler.fill(root, i, items.get(from + i));
                    root.setRowCount(rows);
                    writer.writeBatch();
                }
                writer.end();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static Field utf8(String name, boolean nullable) {
        return new Field(name, nullable ? FieldType.nullable(ArrowType.Utf8.INSTANCE)
                : FieldType.notNullable(ArrowType.Utf8.INSTANCE), null);
    }

    static void set(VarCharVector vector, int index, String value) {
        vector.setSafe(index, value.getBytes(StandardCharsets.UTF_8));
    }
}
