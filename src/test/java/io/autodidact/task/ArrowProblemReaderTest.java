package io.autodidact.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Problem;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Arrow files as other tools write them: stream format, nulls, integer columns, structs, dictionaries. */
class ArrowProblemReaderTest {
    @TempDir
    Path dir;

    private static void set(FieldVector vector, int row, Object value) {
        if (value == null) {
            vector.setNull(row);
        } else if (vector instanceof VarCharVector v) {
            v.setSafe(row, value.toString().getBytes(StandardCharsets.UTF_8));
        } else if (vector instanceof BigIntVector v) {
            v.setSafe(row, ((Number) value).longValue());
        } else {
            throw new IllegalArgumentException(vector.getClass().toString());
        }
    }

    /** A table of utf8 and int64 columns, written as an Arrow IPC file or stream. */
    private Path table(String name, boolean stream, Map<String, List<?>> columns) throws IOException {
        List<Field> fields = columns.entrySet().stream().map(e -> e.getValue().stream().anyMatch(v -> v instanceof Long)
                ? new Field(e.getKey(), FieldType.nullable(new ArrowType.Int(64, true)), null)
                : ArrowTableWriter.utf8(e.getKey(), true)).toList();
        int rows = columns.values().iterator().next().size();
        Path file = dir.resolve(name);
        try (BufferAllocator allocator = new RootAllocator();
                VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator);
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            root.allocateNew();
            for (Field f : fields) {
                for (int r = 0; r < rows; r++) set(root.getVector(f.getName()), r, columns.get(f.getName()).get(r));
            }
            root.setRowCount(rows);
            if (stream) {
                try (ArrowStreamWriter w = new ArrowStreamWriter(root, null, channel)) {
                    w.start();
                    w.writeBatch();
                    w.end();
                }
            } else {
                try (ArrowFileWriter w = new ArrowFileWriter(root, null, channel)) {
                    w.start();
                    w.writeBatch();
                    w.end();
                }
            }
        }
        return file;
    }

    @Test
    void readsTheStreamFormatAndIntegerColumns() throws IOException {
        Path file = table("problems.arrows", true, Map.of(
                "prompt", List.of("1+1=", "2+2="),
                "answer", List.of(2L, 4L),
                "difficulty", List.of(1L, 2L)));
        List<Problem> problems = ProblemReader.read(file);
        assertEquals(List.of("row-0", "row-1"), problems.stream().map(Problem::id).toList());
        assertEquals("4", problems.get(1).answer().orElseThrow());
        assertEquals(OptionalDouble.of(2), problems.get(1).difficulty());
    }

    @Test
    void rejectsNullPromptNamingFileRowAndField() throws IOException {
        Path file = table("problems.arrow", false, Map.of(
                "id", List.of("a", "b", "c"),
                "prompt", java.util.Arrays.asList("x", "y", null)));
        var e = assertThrows(DatasetException.class, () -> ProblemReader.read(file));
        assertEquals(file + " row 2: missing required field \"prompt\"", e.getMessage());
    }

    @Test
    void rejectsTextDifficultyColumnNamingTheField() throws IOException {
        Path file = table("problems.arrow", false, Map.of("prompt", List.of("x"), "difficulty", List.of("hard")));
        var e = assertThrows(DatasetException.class, () -> ProblemReader.read(file));
        assertEquals(file + " row 0: field \"difficulty\" must be a number, got string \"hard\"", e.getMessage());
    }

    @Test
    void rejectsDuplicateIdsNamingBothRows() throws IOException {
        Path file = table("problems.arrow", false, Map.of("id", List.of("a", "b", "a"), "prompt", List.of("x", "y", "z")));
        var e = assertThrows(DatasetException.class, () -> ProblemReader.read(file));
        assertEquals(file + " row 2: duplicate id \"a\" (first at row 0); ids must be unique", e.getMessage());
    }

    @Test
    void keepsExtraColumnsInMetadata() throws IOException {
        Path file = table("problems.arrow", false, Map.of("prompt", List.of("x"), "source", List.of("gsm8k"),
                "year", List.of(2021L)));
        assertEquals(Map.of("source", "gsm8k", "year", "2021"), ProblemReader.read(file).getFirst().metadata());
    }

    @Test
    void decodesDictionaryColumnsAndStructMetadata() throws IOException {
        Path file = dir.resolve("categorical.arrow");
        try (BufferAllocator allocator = new RootAllocator()) {
            DictionaryEncoding encoding = new DictionaryEncoding(1, false, new ArrowType.Int(32, true));
            try (VarCharVector values = new VarCharVector("category-values", allocator);
                    VarCharVector prompt = new VarCharVector("prompt", allocator);
                    VarCharVector plainCategory = new VarCharVector("category", allocator);
                    StructVector metadata = StructVector.empty("metadata", allocator)) {
                values.allocateNew();
                set(values, 0, "algebra");
                set(values, 1, "geometry");
                values.setValueCount(2);
                Dictionary dictionary = new Dictionary(values, encoding);
                prompt.allocateNew();
                plainCategory.allocateNew();
                for (int i = 0; i < 3; i++) {
                    set(prompt, i, "q" + i);
                    set(plainCategory, i, i == 1 ? "geometry" : "algebra");
                }
                prompt.setValueCount(3);
                plainCategory.setValueCount(3);
                VarCharVector source = metadata.addOrGet("source", FieldType.nullable(ArrowType.Utf8.INSTANCE),
                        VarCharVector.class);
                metadata.allocateNew();
                for (int i = 0; i < 3; i++) {
                    metadata.setIndexDefined(i);
                    set(source, i, i == 2 ? null : "book");
                }
                metadata.setValueCount(3);
                try (FieldVector category = (FieldVector) DictionaryEncoder.encode(plainCategory, dictionary)) {
                    Field categoryField = new Field("category",
                            new FieldType(true, new ArrowType.Int(32, true), encoding), null);
                    VectorSchemaRoot root = new VectorSchemaRoot(
                            List.of(prompt.getField(), categoryField, metadata.getField()),
                            List.of(prompt, category, metadata), 3);
                    var provider = new DictionaryProvider.MapDictionaryProvider(dictionary);
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
                            ArrowFileWriter w = new ArrowFileWriter(root, provider, channel)) {
                        w.start();
                        w.writeBatch();
                        w.end();
                    }
                }
            }
        }
        List<Problem> problems = ProblemReader.read(file);
        assertEquals(List.of("algebra", "geometry", "algebra"),
                problems.stream().map(p -> p.category().orElseThrow()).toList());
        assertEquals(Map.of("source", "book"), problems.get(0).metadata());
        assertEquals(Map.of(), problems.get(2).metadata());
    }

    @Test
    void explainsFeatherV1AndUnreadableFiles() throws IOException {
        Path v1 = dir.resolve("old.feather");
        Files.write(v1, "FEA1 and some bytes".getBytes(StandardCharsets.US_ASCII));
        var old = assertThrows(DatasetException.class, () -> ProblemReader.read(v1));
        assertTrue(old.getMessage().startsWith(v1 + ": Feather v1 is not supported"), old.getMessage());
        Path junk = dir.resolve("junk.arrow");
        Files.write(junk, "this is not arrow at all".getBytes(StandardCharsets.US_ASCII));
        var bad = assertThrows(DatasetException.class, () -> ProblemReader.read(junk));
        assertTrue(bad.getMessage().startsWith(junk + ": not a readable Arrow IPC file or stream"), bad.getMessage());
    }
}
