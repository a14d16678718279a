package io.autodidact.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Rollout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RolloutFilesTest {

    @TempDir
    Path dir;

    private BufferAllocator allocator;
    private RolloutFiles files;

    @BeforeEach
    void setUp() {
        allocator = new RootAllocator();
        files = new RolloutFiles(dir.resolve("rollouts"), "run-42", allocator);
    }

    @AfterEach
    void tearDown() {
        allocator.close(); // throws if a read or write leaked Arrow memory
    }

    @Test
    void rolloutsRoundTripExactlyIncludingEmptyCompletionsAndExtremeValues() {
        List<Rollout> written = List.of(
                rollout(3, "p-1", 0, new int[] {1, 2, 3}, new int[] {7, 8}, new float[] {-0.25f, -1.5e-7f},
                        "2 + 2 = 4 ✓ «unicode»", "EOS", 0.7, 1.0, true, true, 0.5, ""),
                rollout(3, "p-1", 1, new int[] {1, 2, 3}, new int[0], new float[0], "", "LENGTH", 0.7, 0.0, false,
                        false, -0.5, "timeout after 2s"),
                rollout(3, "p-2", 0, new int[] {Integer.MAX_VALUE, 0, -1}, new int[] {42}, new float[] {-Float.MIN_VALUE},
                        "line1\nline2\t\"quoted\"", "STOP", 1e-300, -Double.MAX_VALUE, false, true, Double.MIN_VALUE, ""));

        files.write(3, 0, written);
        List<Rollout> read = files.read(3, 0);

        assertEquals(written.size(), read.size());
        for (int i = 0; i < written.size(); i++) assertSameRollout(written.get(i), read.get(i));
    }

    @Test
    void partsAndIterationsReadBackInOrder() {
        files.write(1, 1, List.of(simple(1, "b", 0)));
        files.write(1, 0, List.of(simple(1, "a", 0), simple(1, "a", 1)));
        files.write(2, 0, List.of(simple(2, "c", 0)));
        files.write(2, 1, List.of());

        assertEquals(List.of(0, 1), files.parts(1));
        assertEquals(List.of(1, 2), files.iterations());
        assertEquals(List.of("a#0", "a#1", "b#0"), keys(files.readIteration(1)));
        assertEquals(List.of("a#0", "a#1", "b#0", "c#0"), keys(files.readAll()));
        assertEquals(List.of(), files.read(2, 1));
    }

    @Test
    void rewriteUpdatesScoresInPlaceAndLeavesNoTempFiles() throws Exception {
        List<Rollout> generated = List.of(simple(1, "a", 0), simple(1, "a", 1));
        files.write(1, 0, generated);
        List<Rollout> scored = generated.stream().map(r -> r.withScore(r.sampleIndex() == 1 ? 1.0 : 0.0,
                r.sampleIndex() == 1, "")).map(r -> r.withSelected(r.correct())).toList();

        files.rewrite(1, 0, scored);

        List<Rollout> read = files.read(1, 0);
        assertEquals(0.0, read.get(0).reward());
        assertEquals(1.0, read.get(1).reward());
        assertTrue(read.get(1).selected() && read.get(1).correct());
        try (Stream<Path> entries = Files.list(files.partFile(1, 0).getParent())) {
            assertEquals(List.of("part-00000.arrow"), entries.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void rewriteRefusesToAddOrDropRowsOrToCreateAPart() {
        files.write(1, 0, List.of(simple(1, "a", 0), simple(1, "a", 1)));

        assertThrows(IllegalArgumentException.class, () -> files.rewrite(1, 0, List.of(simple(1, "a", 0))));
        assertThrows(IllegalArgumentException.class,
                () -> files.rewrite(1, 0, List.of(simple(1, "a", 0), simple(1, "a", 2))));
        assertThrows(IllegalStateException.class, () -> files.rewrite(1, 5, List.of(simple(1, "a", 0))));
        assertEquals(2, files.read(1, 0).size());
    }

    @Test
    void writeRejectsRolloutsOfAnotherIterationOrDuplicateKeys() {
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> files.write(2, 0, List.of(simple(1, "a", 0))));
        assertTrue(wrong.getMessage().contains("iteration 1"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> files.write(1, 0, List.of(simple(1, "a", 0), simple(1, "a", 0))));
        assertEquals(List.of(), files.parts(1));
    }

    @Test
    void fileCarriesSchemaVersionAndRunIdReadableByAnyArrowReader() throws Exception {
        Path part = files.write(4, 0, List.of(simple(4, "a", 0), simple(4, "b", 3)));

        try (FileChannel channel = FileChannel.open(part, StandardOpenOption.READ);
                ArrowFileReader reader = new ArrowFileReader(channel, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            Schema schema = root.getSchema();
            assertEquals("autodidact.rollout.v1", schema.getCustomMetadata().get("autodidact.schema"));
            assertEquals(16, schema.getFields().size());
            assertTrue(reader.loadNextBatch());
            assertEquals("run-42", new String(((org.apache.arrow.vector.VarCharVector) root.getVector("run_id")).get(1)));
            assertEquals(3, ((IntVector) root.getVector("sample_index")).get(1));
        }
    }

    @Test
    void aPartWrittenBeforeTheHintColumnExistedReadsAsUnhinted() throws Exception {
        Rollout hinted = new Rollout(1, "a", 3, new int[] {1}, new int[] {2}, new float[] {-0.5f}, "t", "eos", 1, 0, false, false, 0, "", ">9\n");
        Path part = files.write(1, 0, List.of(simple(1, "b", 0), hinted));
        assertEquals(">9\n", files.read(1, 0).get(1).hint());
        // Rewrite the file as the first v1 files were: the same columns but no "hint".
        try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ); ArrowFileReader reader = new ArrowFileReader(in, allocator)) {
            assertTrue(reader.loadNextBatch());
            VectorSchemaRoot full = reader.getVectorSchemaRoot();
            List<Field> fields = full.getSchema().getFields().stream().filter(f -> !f.getName().equals("hint")).toList();
            List<org.apache.arrow.vector.FieldVector> vectors = full.getFieldVectors().stream().filter(v -> !v.getName().equals("hint")).toList();
            VectorSchemaRoot old = new VectorSchemaRoot(new Schema(fields, full.getSchema().getCustomMetadata()), vectors, full.getRowCount());
            Path copy = dir.resolve("old.arrow");
            try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    ArrowFileWriter writer = new ArrowFileWriter(old, null, out)) {
                writer.start();
                writer.writeBatch();
                writer.end();
            }
            Files.move(copy, part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<Rollout> read = files.read(1, 0);
        assertEquals(2, read.size());
        assertTrue(read.stream().noneMatch(Rollout::hinted), "a missing hint column means no hints");
        assertEquals(3, read.get(1).sampleIndex());
    }

    @Test
    void readingAnUnknownSchemaVersionIsRefusedWithTheVersionInTheMessage() throws Exception {
        Path part = files.partFile(1, 0);
        Files.createDirectories(part.getParent());
        Schema future = new Schema(List.of(Field.notNullable("x", new ArrowType.Int(32, true))),
                Map.of("autodidact.schema", "autodidact.rollout.v2"));
        writeRaw(part, future);

        UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class, () -> files.read(1, 0));
        assertTrue(e.getMessage().contains("autodidact.rollout.v2"), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade autodidact"), e.getMessage());

        writeRaw(part, new Schema(future.getFields()));
        UnsupportedFormatException missing = assertThrows(UnsupportedFormatException.class, () -> files.read(1, 0));
        assertTrue(missing.getMessage().contains("not an autodidact rollout file"), missing.getMessage());
    }

    @Test
    void truncatedPartIsReportedAsCorruptWithANextStep() throws Exception {
        Path part = files.write(1, 0, List.of(simple(1, "a", 0)));
        byte[] bytes = Files.readAllBytes(part);
        Files.write(part, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> files.read(1, 0));
        assertTrue(e.getMessage().contains("redo the stage"), e.getMessage());
    }

    @Test
    void largeBatchRoundTripsEveryToken() {
        List<Rollout> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            int n = i % 37;
            int[] tokens = new int[n];
            float[] logprobs = new float[n];
            for (int j = 0; j < n; j++) {
                tokens[j] = i * 1000 + j;
                logprobs[j] = -(i + j) / 100f;
            }
            many.add(rollout(1, "p" + (i / 8), i % 8, new int[] {i}, tokens, logprobs, "t" + i, "EOS", 1.0, i, i % 2 == 0,
                    false, 0, ""));
        }
        files.write(1, 0, many);
        List<Rollout> read = files.read(1, 0);
        for (int i = 0; i < many.size(); i++) assertSameRollout(many.get(i), read.get(i));
    }

    private void writeRaw(Path file, Schema schema) throws Exception {
        try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
            root.setRowCount(0);
            writer.start();
            writer.writeBatch();
            writer.end();
        }
    }

    private static void assertSameRollout(Rollout expected, Rollout actual) {
        String key = expected.problemId() + "#" + expected.sampleIndex();
        assertEquals(expected.iteration(), actual.iteration(), key);
        assertEquals(expected.problemId(), actual.problemId(), key);
        assertEquals(expected.sampleIndex(), actual.sampleIndex(), key);
        assertArrayEquals(expected.promptTokens(), actual.promptTokens(), key);
        assertArrayEquals(expected.completionTokens(), actual.completionTokens(), key);
        assertArrayEquals(expected.logprobs(), actual.logprobs(), key);
        assertEquals(expected.text(), actual.text(), key);
        assertEquals(expected.finishReason(), actual.finishReason(), key);
        assertEquals(Double.doubleToRawLongBits(expected.temperature()), Double.doubleToRawLongBits(actual.temperature()), key);
        assertEquals(Double.doubleToRawLongBits(expected.reward()), Double.doubleToRawLongBits(actual.reward()), key);
        assertEquals(expected.correct(), actual.correct(), key);
        assertEquals(expected.selected(), actual.selected(), key);
        assertEquals(Double.doubleToRawLongBits(expected.advantage()), Double.doubleToRawLongBits(actual.advantage()), key);
        assertEquals(expected.error(), actual.error(), key);
    }

    private static List<String> keys(List<Rollout> rollouts) {
        return rollouts.stream().map(r -> r.problemId() + "#" + r.sampleIndex()).toList();
    }

    private static Rollout simple(int iteration, String problem, int sample) {
        return rollout(iteration, problem, sample, new int[] {1}, new int[] {2, 3}, new float[] {-0.1f, -0.2f}, "x",
                "EOS", 1.0, 0.0, false, false, 0.0, "");
    }

    private static Rollout rollout(int iteration, String problem, int sample, int[] prompt, int[] completion, float[] logprobs,
            String text, String finish, double temperature, double reward, boolean correct, boolean selected,
            double advantage, String error) {
        return new Rollout(iteration, problem, sample, prompt, completion, logprobs, text, finish, temperature, reward,
                correct, selected, advantage, error);
    }
}
