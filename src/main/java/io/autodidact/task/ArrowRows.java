package io.autodidact.task;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.util.Text;

/**
 * Walks an Arrow IPC file (the random-access "file" format, which Feather v2 is) or an Arrow IPC stream,
 * told apart by the file's magic bytes. Rows are counted from 0 across record batches, as pyarrow counts
 * them, so {@code table.slice(7, 1)} finds "row 7".
 */
final class ArrowRows {
    private static final byte[] FILE_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FEATHER_V1_MAGIC = "FEA1".getBytes(StandardCharsets.US_ASCII);

    private ArrowRows() {}

    static void forEach(Path file, Consumer<Row> action) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                BufferAllocator allocator = new RootAllocator()) {
            byte[] head = readHead(channel);
            if (startsWith(head, FEATHER_V1_MAGIC))
                throw new DatasetException(file + ": Feather v1 is not supported; re-save it as Feather v2 "
                        + "(pyarrow.feather.write_feather(table, path), the default) or as an Arrow IPC file");
            boolean fileFormat = startsWith(head, FILE_MAGIC);
            try (ArrowReader reader = fileFormat
                    ? new ArrowFileReader(channel, allocator)
                    : new ArrowStreamReader(channel, allocator)) {
                walk(file, reader, action);
            }
        } catch (CallerFailure e) {
            throw e.getCause();
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": no such file");
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) throw d;
            throw new DatasetException(file + ": not a readable Arrow IPC file or stream: " + e.getMessage(), e);
        }
    }

    private static void walk(Path file, ArrowReader reader, Consumer<Row> action) throws IOException {
        long row = 0;
        while (reader.loadNextBatch()) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            List<String> names = new ArrayList<>();
            List<ValueVector> columns = new ArrayList<>();
            List<ValueVector> decoded = new ArrayList<>();
            try {
                for (FieldVector vector : root.getFieldVectors()) {
                    names.add(vector.getName());
                    DictionaryEncoding encoding = vector.getField().getDictionary();
                    if (encoding == null) {
                        columns.add(vector);
                    } else {
                        // Categorical columns (pandas "category") arrive dictionary-encoded; rows need the values.
                        // The decoded vector carries the dictionary's name, hence the separate list of names.
                        Dictionary dictionary = reader.getDictionaryVectors().get(encoding.getId());
                        ValueVector values = DictionaryEncoder.decode(vector, dictionary);
                        decoded.add(values);
                        columns.add(values);
                    }
                }
                for (int i = 0; i < root.getRowCount(); i++, row++) {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    for (int c = 0; c < columns.size(); c++) fields.put(names.get(c), value(columns.get(c), i));
                    Row record = new Row(file, "row " + row, "row-" + row, fields);
                    try {
                        action.accept(record);
                    } catch (RuntimeException e) {
                        throw new CallerFailure(e);
                    }
                }
            } finally {
                decoded.forEach(ValueVector::close);
            }
        }
    }

    private static Object value(ValueVector column, int index) {
        if (column.isNull(index)) return null;
        if (column instanceof MapVector map) return entries(map.getField(), map.getObject(index));
        return plain(column.getObject(index));
    }

    /** Arrow maps read back as lists of key/value structs; rows want them as maps. */
    private static Map<String, Object> entries(Field mapField, List<?> list) {
        List<Field> kv = mapField.getChildren().getFirst().getChildren();
        String keyName = kv.get(0).getName();
        String valueName = kv.get(1).getName();
        Map<String, Object> out = new LinkedHashMap<>();
        for (Object entry : list) {
            Map<?, ?> e = (Map<?, ?>) entry;
            out.put(String.valueOf(plain(e.get(keyName))), plain(e.get(valueName)));
        }
        return out;
    }

    /** Arrow's Java objects (Text, byte[], nested JSON-ish collections) as plain values. */
    private static Object plain(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) return v;
        if (v instanceof Text t) return t.toString();
        if (v instanceof byte[] bytes) return new String(bytes, StandardCharsets.UTF_8);
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, value) -> out.put(String.valueOf(k), plain(value)));
            return out;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) out.add(plain(item));
            return out;
        }
        return v.toString();
    }

    /** Carries the caller's own exception past the handler that blames Arrow for what goes wrong inside it. */
    private static final class CallerFailure extends RuntimeException {
        CallerFailure(RuntimeException cause) {
            super(cause);
        }

        @Override
        public synchronized RuntimeException getCause() {
            return (RuntimeException) super.getCause();
        }
    }

    private static byte[] readHead(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(FILE_MAGIC.length);
        while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
            // keep reading: a channel may return fewer bytes than asked
        }
        channel.position(0);
        byte[] head = new byte[buffer.position()];
        buffer.flip().get(head);
        return head;
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        if (head.length < magic.length) return false;
        for (int i = 0; i < magic.length; i++) if (head[i] != magic[i]) return false;
        return true;
    }
}
