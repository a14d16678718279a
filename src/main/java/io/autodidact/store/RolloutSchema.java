package io.autodidact.store;

import io.autodidact.loop.Rollout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Arrow schema of a rollout row, {@value #VERSION} (documented in
 * {@code flight/rollout-schema.md}), and the mapping between {@link Rollout} and record batches.
 * The version travels in the schema metadata under {@value #VERSION_KEY} so any reader (pyarrow,
 * DuckDB, a later autodidact) can tell what it holds.
 */
public final class RolloutSchema {

    /** Schema-metadata key holding the schema version. */
    public static final String VERSION_KEY = "autodidact.schema";
    /** The version this build writes and the only one it reads. */
    public static final String VERSION = "autodidact.rollout.v1";
    /** Schema-metadata key holding the run id (also a column, for files read out of their folder). */
    public static final String RUN_ID_KEY = "autodidact.run_id";

    private static final ArrowType UTF8 = ArrowType.Utf8.INSTANCE;
    private static final ArrowType INT32 = new ArrowType.Int(32, true);
    private static final ArrowType FLOAT32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
    private static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
    private static final ArrowType BOOL = ArrowType.Bool.INSTANCE;

    /** Columns added to v1 after its first files were written: absent in those, so a reader must not require them. */
    private static final java.util.Set<String> OPTIONAL = java.util.Set.of("hint");

    private RolloutSchema() {}

    /** The schema of a part of run {@code runId}. */
    public static Schema schema(String runId) {
        List<Field> fields = List.of(
                column("run_id", UTF8),
                column("iteration", INT32),
                column("problem_id", UTF8),
                column("sample_index", INT32),
                listOf("prompt_tokens", INT32),
                listOf("completion_tokens", INT32),
                listOf("logprobs", FLOAT32),
                column("text", UTF8),
                column("finish_reason", UTF8),
                column("temperature", FLOAT64),
                column("reward", FLOAT64),
                column("correct", BOOL),
                column("selected", BOOL),
                column("advantage", FLOAT64),
                column("error", UTF8),
                column("hint", UTF8));
        return new Schema(fields, Map.of(VERSION_KEY, VERSION, RUN_ID_KEY, runId));
    }

    /** Fills {@code root} (created from {@link #schema}) with {@code rollouts}. */
    static void fill(VectorSchemaRoot root, String runId, List<Rollout> rollouts) {
        root.allocateNew();
        byte[] runIdBytes = runId.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < rollouts.size(); i++) {
            Rollout r = rollouts.get(i);
            utf8(root, "run_id").setSafe(i, runIdBytes);
            int32(root, "iteration").setSafe(i, r.iteration());
            utf8(root, "problem_id").setSafe(i, bytes(r.problemId()));
            int32(root, "sample_index").setSafe(i, r.sampleIndex());
            putInts(list(root, "prompt_tokens"), i, r.promptTokens());
            putInts(list(root, "completion_tokens"), i, r.completionTokens());
            putFloats(list(root, "logprobs"), i, r.logprobs());
            utf8(root, "text").setSafe(i, bytes(r.text()));
            utf8(root, "finish_reason").setSafe(i, bytes(r.finishReason()));
            float64(root, "temperature").setSafe(i, r.temperature());
            float64(root, "reward").setSafe(i, r.reward());
            bool(root, "correct").setSafe(i, r.correct() ? 1 : 0);
            bool(root, "selected").setSafe(i, r.selected() ? 1 : 0);
            float64(root, "advantage").setSafe(i, r.advantage());
            utf8(root, "error").setSafe(i, bytes(r.error()));
            utf8(root, "hint").setSafe(i, bytes(r.hint()));
        }
        root.setRowCount(rollouts.size());
    }

    /** Reads every row of the batch loaded in {@code root}. */
    static List<Rollout> rows(VectorSchemaRoot root) {
        List<Rollout> out = new ArrayList<>(root.getRowCount());
        // Files written before the hint column existed read as unhinted.
        VarCharVector hints = root.getSchema().getFields().stream().anyMatch(f -> f.getName().equals("hint")) ? utf8(root, "hint") : null;
        for (int i = 0; i < root.getRowCount(); i++) {
            out.add(new Rollout(
                    int32(root, "iteration").get(i),
                    text(utf8(root, "problem_id"), i),
                    int32(root, "sample_index").get(i),
                    ints(list(root, "prompt_tokens"), i),
                    ints(list(root, "completion_tokens"), i),
                    floats(list(root, "logprobs"), i),
                    text(utf8(root, "text"), i),
                    text(utf8(root, "finish_reason"), i),
                    float64(root, "temperature").get(i),
                    float64(root, "reward").get(i),
                    bool(root, "correct").get(i) != 0,
                    bool(root, "selected").get(i) != 0,
                    float64(root, "advantage").get(i),
                    text(utf8(root, "error"), i),
                    hints == null ? "" : text(hints, i)));
        }
        return out;
    }

    /** Why {@code schema} cannot be read as rollouts, or an empty string when it can. */
    public static String incompatibility(Schema schema) {
        String version = schema.getCustomMetadata() == null ? null : schema.getCustomMetadata().get(VERSION_KEY);
        if (version == null) return "it has no '" + VERSION_KEY + "' schema metadata, so it is not an autodidact rollout file";
        if (!version.equals(VERSION))
            return "its rollout schema version is '" + version + "' but this autodidact reads only '" + VERSION
                    + "'; upgrade autodidact (or convert the file)";
        Schema expected = schema("x");
        Map<String, Field> present = new java.util.HashMap<>();
        for (Field f : schema.getFields()) present.put(f.getName(), f);
        for (Field f : expected.getFields()) {
            Field actual = present.get(f.getName()); // Schema.findField throws on a missing name
            if (actual == null && OPTIONAL.contains(f.getName())) continue;
            if (actual == null || !typeOf(actual).equals(typeOf(f)))
                return "column '" + f.getName() + "' is " + (actual == null ? "missing" : typeOf(actual))
                        + " but " + VERSION + " requires " + typeOf(f);
        }
        return "";
    }

    private static String typeOf(Field f) {
        return f.getChildren().isEmpty() ? f.getType().toString() : f.getType() + "<" + typeOf(f.getChildren().getFirst()) + ">";
    }

    private static Field column(String name, ArrowType type) {
        return new Field(name, FieldType.notNullable(type), null);
    }

    private static Field listOf(String name, ArrowType element) {
        return new Field(name, FieldType.notNullable(ArrowType.List.INSTANCE), List.of(column("item", element)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(VarCharVector v, int i) {
        return new String(v.get(i), StandardCharsets.UTF_8);
    }

    private static void putInts(ListVector list, int row, int[] values) {
        int offset = list.startNewValue(row);
        IntVector data = (IntVector) list.getDataVector();
        for (int j = 0; j < values.length; j++) data.setSafe(offset + j, values[j]);
        list.endValue(row, values.length);
    }

    private static void putFloats(ListVector list, int row, float[] values) {
        int offset = list.startNewValue(row);
        Float4Vector data = (Float4Vector) list.getDataVector();
        for (int j = 0; j < values.length; j++) data.setSafe(offset + j, values[j]);
        list.endValue(row, values.length);
    }

    private static int[] ints(ListVector list, int row) {
        int start = list.getElementStartIndex(row);
        int[] out = new int[list.getElementEndIndex(row) - start];
        IntVector data = (IntVector) list.getDataVector();
        for (int j = 0; j < out.length; j++) out[j] = data.get(start + j);
        return out;
    }

    private static float[] floats(ListVector list, int row) {
        int start = list.getElementStartIndex(row);
        float[] out = new float[list.getElementEndIndex(row) - start];
        Float4Vector data = (Float4Vector) list.getDataVector();
        for (int j = 0; j < out.length; j++) out[j] = data.get(start + j);
        return out;
    }

    private static VarCharVector utf8(VectorSchemaRoot root, String name) {
        return (VarCharVector) vector(root, name);
    }

    private static IntVector int32(VectorSchemaRoot root, String name) {
        return (IntVector) vector(root, name);
    }

    private static Float8Vector float64(VectorSchemaRoot root, String name) {
        return (Float8Vector) vector(root, name);
    }

    private static BitVector bool(VectorSchemaRoot root, String name) {
        return (BitVector) vector(root, name);
    }

    private static ListVector list(VectorSchemaRoot root, String name) {
        return (ListVector) vector(root, name);
    }

    private static FieldVector vector(VectorSchemaRoot root, String name) {
        FieldVector v = root.getVector(name);
        if (v == null) throw new IllegalStateException("rollout batch has no column '" + name + "'");
        return v;
    }
}
