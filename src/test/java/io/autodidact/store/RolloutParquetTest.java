package io.autodidact.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Rollout;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Parquet export read back by an independent reader, DuckDB (its own C++ Parquet implementation, through JDBC):
 * row count, column names and types, the schema metadata, and every value of every row, the token and logprob lists
 * included. Runs without Hadoop on the classpath (surefire leaves hadoop-common off), as the packaged app does.
 */
class RolloutParquetTest {

    @TempDir
    Path tmp;

    private BufferAllocator allocator;
    private RunDirectory run;
    private final List<Rollout> written = new ArrayList<>();

    @BeforeEach
    void writeRun() {
        allocator = new RootAllocator();
        run = RunDirectory.create(tmp.resolve("runs/export-run"), Map.of("name", "export-run"), Clock.systemUTC());
        RolloutFiles files = run.rollouts(allocator);
        List<Rollout> iter1 = List.of(
                rollout(1, "p-0", 0, new int[] {5, 6, 7}, new int[] {8, 9}, new float[] {-0.25f, -1.5f}, "12 > 21", "eos", 1.0, true, true, 0.5, ""),
                rollout(1, "p-0", 1, new int[] {5, 6, 7}, new int[] {}, new float[] {}, "", "length", 0.0, false, false, -0.5, ""),
                rollout(1, "p-1", 0, new int[] {1}, new int[] {2, 3, 4, 5}, new float[] {-0.1f, -0.2f, -0.3f, -0.4f}, "naïve ∑ text", "stop", 0.25, false, false, 0.0, "reward timed out"));
        List<Rollout> iter1b = List.of(
                rollout(1, "p-2", 0, new int[] {3, 3}, new int[] {7}, new float[] {Float.MIN_VALUE}, "x", "eos", 1.0, true, false, 0.0, ""));
        List<Rollout> iter2 = List.of(
                rollout(2, "p-0", 0, new int[] {5, 6, 7}, new int[] {10, 11, 12}, new float[] {-3f, -2f, -1f}, "y\nz", "eos", 1.0, true, true, 1.25, ""));
        files.write(1, 0, iter1);
        files.write(1, 1, iter1b);
        files.write(2, 0, iter2);
        written.addAll(iter1);
        written.addAll(iter1b);
        written.addAll(iter2);
    }

    @AfterEach
    void close() {
        allocator.close();
    }

    private static Rollout rollout(int iteration, String problem, int sample, int[] prompt, int[] completion, float[] logprobs, String text,
            String finish, double reward, boolean correct, boolean selected, double advantage, String error) {
        return new Rollout(iteration, problem, sample, prompt, completion, logprobs, text, finish, 0.7, reward, correct, selected, advantage, error,
                sample % 2 == 1 ? ">" + sample + "\n" : "");
    }

    @Test
    void duckdbReadsEveryRowColumnAndListBackWithTheArrowTypes() throws Exception {
        Path out = tmp.resolve("all.parquet");
        RolloutParquet.Result result = RolloutParquet.export(run, List.of(), out, allocator);
        assertEquals(5, result.rows());
        assertEquals(2, result.iterations());
        assertEquals(3, result.parts());

        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement()) {
            Map<String, String> types = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + out + "')")) {
                while (rs.next()) types.put(rs.getString("column_name"), rs.getString("column_type"));
            }
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("run_id", "VARCHAR");
            expected.put("iteration", "INTEGER");
            expected.put("problem_id", "VARCHAR");
            expected.put("sample_index", "INTEGER");
            expected.put("prompt_tokens", "INTEGER[]");
            expected.put("completion_tokens", "INTEGER[]");
            expected.put("logprobs", "FLOAT[]");
            expected.put("text", "VARCHAR");
            expected.put("finish_reason", "VARCHAR");
            expected.put("temperature", "DOUBLE");
            expected.put("reward", "DOUBLE");
            expected.put("correct", "BOOLEAN");
            expected.put("selected", "BOOLEAN");
            expected.put("advantage", "DOUBLE");
            expected.put("error", "VARCHAR");
            expected.put("hint", "VARCHAR");
            assertEquals(expected, types, "the Parquet columns, in the Arrow schema's order and types");

            List<Rollout> read = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT * FROM read_parquet('" + out + "')")) {
                while (rs.next()) {
                    assertEquals("export-run", rs.getString("run_id"));
                    read.add(new Rollout(rs.getInt("iteration"), rs.getString("problem_id"), rs.getInt("sample_index"),
                            ints(rs.getArray("prompt_tokens").getArray()), ints(rs.getArray("completion_tokens").getArray()),
                            floats(rs.getArray("logprobs").getArray()), rs.getString("text"), rs.getString("finish_reason"),
                            rs.getDouble("temperature"), rs.getDouble("reward"), rs.getBoolean("correct"), rs.getBoolean("selected"),
                            rs.getDouble("advantage"), rs.getString("error"), rs.getString("hint")));
                }
            }
            assertEquals(written.size(), read.size());
            for (int i = 0; i < written.size(); i++) assertSame(written.get(i), read.get(i));

            Map<String, String> metadata = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT decode(key), decode(value) FROM parquet_kv_metadata('" + out + "')")) {
                while (rs.next()) metadata.put(rs.getString(1), rs.getString(2));
            }
            assertEquals(RolloutSchema.VERSION, metadata.get(RolloutSchema.VERSION_KEY));
            assertEquals("export-run", metadata.get(RolloutSchema.RUN_ID_KEY));

            try (ResultSet rs = st.executeQuery("SELECT compression FROM parquet_metadata('" + out + "') GROUP BY compression")) {
                assertTrue(rs.next());
                assertEquals("ZSTD", rs.getString(1));
                assertFalse(rs.next());
            }
        }
    }

    @Test
    void oneIterationExportsOnlyItsRows() throws Exception {
        Path out = tmp.resolve("iter2.parquet");
        assertEquals(1, RolloutParquet.export(run, List.of(2), out, allocator).rows());
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT iteration, problem_id, completion_tokens FROM read_parquet('" + out + "')")) {
            assertTrue(rs.next());
            assertEquals(2, rs.getInt(1));
            assertArrayEquals(new int[] {10, 11, 12}, ints(rs.getArray(3).getArray()));
            assertFalse(rs.next());
        }
    }

    @Test
    void anIterationWithoutRolloutsIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RolloutParquet.export(run, List.of(7), tmp.resolve("x.parquet"), allocator));
        assertTrue(e.getMessage().contains("--iteration 7") && e.getMessage().contains("[1, 2]"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x.parquet")), "nothing is written when the export is refused");
    }

    @Test
    void exportCommandWritesNextToTheRunAndReportsWhatItWrote() throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new io.autodidact.cli.Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("export", run.root().toString(), "--iteration", "1");
        assertEquals(0, code, err.toString());
        Path file = run.root().resolve("rollouts-iter-0001.parquet");
        assertTrue(out.toString().contains("wrote 4 rollouts (1 iterations, 2 parts) to " + file), out.toString());
        try (Connection db = DriverManager.getConnection("jdbc:duckdb:"); Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*), sum(len(completion_tokens)) FROM read_parquet('" + file + "')")) {
            assertTrue(rs.next());
            assertEquals(4, rs.getLong(1));
            assertEquals(2 + 0 + 4 + 1, rs.getLong(2));
        }

        StringWriter err2 = new StringWriter();
        CommandLine bad = new CommandLine(new io.autodidact.cli.Main()).setCaseInsensitiveEnumValuesAllowed(true);
        bad.setErr(new PrintWriter(err2));
        assertEquals(2, bad.execute("export", tmp.resolve("no-such-run").toString()));
        assertTrue(err2.toString().contains("does not exist"), err2.toString());
    }

    private static void assertSame(Rollout want, Rollout got) {
        String key = want.problemId() + "#" + want.sampleIndex() + " (iteration " + want.iteration() + ")";
        assertEquals(want.iteration(), got.iteration(), key);
        assertEquals(want.problemId(), got.problemId(), key);
        assertEquals(want.sampleIndex(), got.sampleIndex(), key);
        assertArrayEquals(want.promptTokens(), got.promptTokens(), key);
        assertArrayEquals(want.completionTokens(), got.completionTokens(), key);
        assertArrayEquals(want.logprobs(), got.logprobs(), key);
        assertEquals(want.text(), got.text(), key);
        assertEquals(want.finishReason(), got.finishReason(), key);
        assertEquals(want.temperature(), got.temperature(), key);
        assertEquals(want.reward(), got.reward(), key);
        assertEquals(want.correct(), got.correct(), key);
        assertEquals(want.selected(), got.selected(), key);
        assertEquals(want.advantage(), got.advantage(), key);
        assertEquals(want.error(), got.error(), key);
        assertEquals(want.hint(), got.hint(), key);
    }

    private static int[] ints(Object array) {
        return Arrays.stream((Object[]) array).mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    private static float[] floats(Object array) {
        Object[] values = (Object[]) array;
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) out[i] = ((Number) values[i]).floatValue();
        return out;
    }
}
