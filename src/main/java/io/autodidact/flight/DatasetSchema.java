package io.autodidact.flight;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The dataset schema {@value #VERSION}: {@code id} and {@code prompt} (utf8, required in every row), and nullable
 * {@code answer}, {@code category} (utf8), {@code difficulty} (float32 or float64) and {@code metadata} (utf8
 * holding a JSON object). Columns may come in any order; other columns are kept as they are. utf8 columns may also
 * be large_utf8 (pandas with pyarrow strings).
 */
public final class DatasetSchema {

    /** Schema-metadata key holding the version, as in {@link io.autodidact.store.RolloutSchema}. */
    public static final String VERSION_KEY = "autodidact.schema";
    /** The version stamped on stored datasets. */
    public static final String VERSION = "autodidact.dataset.v1";

    /** The named columns and the type each must have. */
    enum Column {
        ID("id", true, "utf8"),
        PROMPT("prompt", true, "utf8"),
        ANSWER("answer", false, "utf8"),
        CATEGORY("category", false, "utf8"),
        DIFFICULTY("difficulty", false, "float32 or float64"),
        METADATA("metadata", false, "utf8 (a JSON object per row)");

        final String name;
        final boolean required;
        final String expected;

        Column(String name, boolean required, String expected) {
            this.name = name;
            this.required = required;
            this.expected = expected;
        }

        boolean accepts(ArrowType type) {
            if (this == DIFFICULTY)
                return type instanceof ArrowType.FloatingPoint fp && fp.getPrecision() != FloatingPointPrecision.HALF;
            return type instanceof ArrowType.Utf8 || type instanceof ArrowType.LargeUtf8;
        }
    }

    private DatasetSchema() {}

    /** Why {@code schema} cannot be stored as a dataset (naming the column and the type expected), or empty when it can. */
    public static Optional<String> problem(Schema schema) {
        for (Column c : Column.values()) {
            Field f = find(schema, c.name);
            if (f == null) {
                if (c.required) return Optional.of("missing required column '" + c.name + "' (expected type " + c.expected + ")");
                continue;
            }
            if (!c.accepts(f.getType()))
                return Optional.of("column '" + c.name + "' has type " + f.getType() + " but must be " + c.expected);
        }
        for (Field f : schema.getFields())
            if (f.getDictionary() != null)
                return Optional.of("column '" + f.getName() + "' is dictionary-encoded, which is not accepted; send it decoded"
                        + " (pandas: df['" + f.getName() + "'] = df['" + f.getName() + "'].astype(str))");
        return Optional.empty();
    }

    /** {@code schema} with the version stamped in its metadata (other metadata kept). */
    public static Schema stamped(Schema schema) {
        Map<String, String> metadata = new HashMap<>(schema.getCustomMetadata() == null ? Map.of() : schema.getCustomMetadata());
        metadata.put(VERSION_KEY, VERSION);
        return new Schema(schema.getFields(), metadata);
    }

    static Field find(Schema schema, String name) {
        List<Field> fields = schema.getFields();
        for (Field f : fields) if (f.getName().equals(name)) return f;
        return null;
    }
}
