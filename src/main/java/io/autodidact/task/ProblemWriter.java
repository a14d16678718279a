package io.autodidact.task;

import io.autodidact.loop.Problem;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** Writes problems in the formats {@link ProblemReader} reads, so tests, demos and users can make datasets. */
public final class ProblemWriter {
    /** id, prompt, answer, category, difficulty (float64), metadata (map of utf8 to utf8). */
    public static final Schema ARROW_SCHEMA = new Schema(List.of(
            ArrowTableWriter.utf8("id", false),
            ArrowTableWriter.utf8("prompt", false),
            ArrowTableWriter.utf8("answer", true),
            ArrowTableWriter.utf8("category", true),
            new Field("difficulty", FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null),
            new Field("metadata", FieldType.nullable(new ArrowType.Map(false)), List.of(
                    new Field(MapVector.DATA_VECTOR_NAME, FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
                            ArrowTableWriter.utf8(MapVector.KEY_NAME, false),
                            ArrowTableWriter.utf8(MapVector.VALUE_NAME, true)))))));

    private ProblemWriter() {}

    /** One JSON object per line; absent optional fields are left out. */
    public static void writeJsonl(Path file, List<Problem> problems) {
        JsonLines.write(file, problems.stream().map(ProblemWriter::json).toList());
    }

    private static Map<String, Object> json(Problem p) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", p.id());
        line.put("prompt", p.prompt());
        p.answer().ifPresent(a -> line.put("answer", a));
        p.category().ifPresent(c -> line.put("category", c));
        p.difficulty().ifPresent(d -> line.put("difficulty", d));
        if (!p.metadata().isEmpty()) line.put("metadata", p.metadata());
        return line;
    }

    /** An Arrow IPC file with {@link #ARROW_SCHEMA}. */
    public static void writeArrow(Path file, List<Problem> problems) {
        ArrowTableWriter.write(file, ARROW_SCHEMA, problems, ProblemWriter::fill);
    }

    private static void fill(VectorSchemaRoot root, int i, Problem p) {
        ArrowTableWriter.set((VarCharVector) root.getVector("id"), i, p.id());
        ArrowTableWriter.set((VarCharVector) root.getVector("prompt"), i, p.prompt());
        VarCharVector answer = (VarCharVector) root.getVector("answer");
        p.answer().ifPresentOrElse(a -> ArrowTableWriter.set(answer, i, a), () -> answer.setNull(i));
        VarCharVector category = (VarCharVector) root.getVector("category");
        p.category().ifPresentOrElse(c -> ArrowTableWriter.set(category, i, c), () -> category.setNull(i));
        Float8Vector difficulty = (Float8Vector) root.getVector("difficulty");
        p.difficulty().ifPresentOrElse(d -> difficulty.setSafe(i, d), () -> difficulty.setNull(i));

        MapVector metadata = (MapVector) root.getVector("metadata");
        StructVector entries = (StructVector) metadata.getDataVector();
        VarCharVector keys = (VarCharVector) entries.getChild(MapVector.KEY_NAME);
        VarCharVector values = (VarCharVector) entries.getChild(MapVector.VALUE_NAME);
        int at = metadata.startNewValue(i);
        for (Map.Entry<String, String> e : p.metadata().entrySet()) {
            entries.setIndexDefined(at);
            ArrowTableWriter.set(keys, at, e.getKey());
            ArrowTableWriter.set(values, at, e.getValue());
            at++;
        }
        metadata.endValue(i, p.metadata().size());
    }
}
