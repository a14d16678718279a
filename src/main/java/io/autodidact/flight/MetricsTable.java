package io.autodidact.flight;

import io.autodidact.loop.IterationMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A run's {@code metrics.jsonl} as one Arrow table, schema {@value #VERSION}: one row per iteration, the scalar
 * {@link IterationMetrics} fields as columns (the reward summary flattened to {@code reward_*}), and the per-label
 * ones as {@code map<utf8, float64>}. {@code train_loss} is NaN for an iteration that did not train.
 */
public final class MetricsTable {

    /** The version in the schema metadata under {@link DatasetSchema#VERSION_KEY}. */
    public static final String VERSION = "autodidact.metrics.v1";

    private static final ArrowType INT32 = new ArrowType.Int(32, true);
    private static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
    private static final List<String> INTS = List.of("iteration", "eval_k", "samples_generated", "samples_correct", "samples_selected",
            "reward_count");
    private static final List<String> DOUBLES = List.of("eval_pass1", "train_loss", "reward_mean", "reward_min", "reward_q1",
            "reward_median", "reward_q3", "reward_max");
    private static final List<String> MAPS = List.of("eval_pass1_by_difficulty", "eval_passk_by_difficulty", "stage_seconds", "extra");

    private MetricsTable() {}

    /** The table's schema. */
    public static Schema schema() {
        List<Field> fields = new ArrayList<>();
        for (String n : INTS) fields.add(new Field(n, FieldType.notNullable(INT32), null));
        for (String n : DOUBLES) fields.add(new Field(n, FieldType.notNullable(FLOAT64), null));
        for (String n : MAPS)
            fields.add(new Field(n, FieldType.notNullable(new ArrowType.Map(false)), List.of(
                    new Field(MapVector.DATA_VECTOR_NAME, FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
                            new Field(MapVector.KEY_NAME, FieldType.notNullable(ArrowType.Utf8.INSTANCE), null),
                            new Field(MapVector.VALUE_NAME, FieldType.nullable(FLOAT64), null))))));
        return new Schema(fields, Map.of(DatasetSchema.VERSION_KEY, VERSION));
    }

    /** {@code metrics} as one batch; the caller closes it. */
    static VectorSchemaRoot of(List<IterationMetrics> metrics, BufferAllocator allocator) {
        VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
        root.allocateNew();
        for (int i = 0; i < metrics.size(); i++) {
            IterationMetrics m = metrics.get(i);
            ints(root, i, "iteration", m.iteration());
            ints(root, i, "eval_k", m.evalK());
            ints(root, i, "samples_generated", m.samplesGenerated());
            ints(root, i, "samples_correct", m.samplesCorrect());
            ints(root, i, "samples_selected", m.samplesSelected());
            ints(root, i, "reward_count", m.reward().count());
            doubles(root, i, "eval_pass1", m.evalPass1());
            doubles(root, i, "train_loss", m.trainLoss());
            doubles(root, i, "reward_mean", m.reward().mean());
            doubles(root, i, "reward_min", m.reward().min());
            doubles(root, i, "reward_q1", m.reward().q1());
            doubles(root, i, "reward_median", m.reward().median());
            doubles(root, i, "reward_q3", m.reward().q3());
            doubles(root, i, "reward_max", m.reward().max());
            map(root, i, "eval_pass1_by_difficulty", m.evalPass1ByDifficulty());
            map(root, i, "eval_passk_by_difficulty", m.evalPasskByDifficulty());
            map(root, i, "stage_seconds", m.stageSeconds());
            map(root, i, "extra", m.extra());
        }
        root.setRowCount(metrics.size());
        return root;
    }

    private static void ints(VectorSchemaRoot root, int row, String name, int value) {
        ((IntVector) root.getVector(name)).setSafe(row, value);
    }

    private static void doubles(VectorSchemaRoot root, int row, String name, double value) {
        ((Float8Vector) root.getVector(name)).setSafe(row, value);
    }

    private static void map(VectorSchemaRoot root, int row, String name, Map<String, Double> values) {
        MapVector map = (MapVector) root.getVector(name);
        StructVector entries = (StructVector) map.getDataVector();
        VarCharVector keys = (VarCharVector) entries.getChild(MapVector.KEY_NAME);
        Float8Vector vals = (Float8Vector) entries.getChild(MapVector.VALUE_NAME);
        int at = map.startNewValue(row);
        for (Map.Entry<String, Double> e : values.entrySet()) {
            entries.setIndexDefined(at);
            keys.setSafe(at, e.getKey().getBytes(StandardCharsets.UTF_8));
            vals.setSafe(at, e.getValue());
            at++;
        }
        map.endValue(row, values.size());
    }
}
