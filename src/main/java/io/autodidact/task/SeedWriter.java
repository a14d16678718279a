package io.autodidact.task;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.pojo.Schema;

/** Writes seed examples in the formats {@link SeedReader} reads. */
public final class SeedWriter {
    /** prompt, completion: both non-null utf8. */
    public static final Schema ARROW_SCHEMA = new Schema(List.of(
            ArrowTableWriter.utf8("prompt", false), ArrowTableWriter.utf8("completion", false)));

    private SeedWriter() {}

    public static void writeJsonl(Path file, List<SeedExample> examples) {
        JsonLines.write(file, examples.stream()
                .map(e -> {
                    Map<String, String> line = new LinkedHashMap<>();
                    line.put("prompt", e.prompt());
                    line.put("completion", e.completion());
                    return line;
                })
                .toList());
    }

    public static void writeArrow(Path file, List<SeedExample> examples) {
        ArrowTableWriter.write(file, ARROW_SCHEMA, examples, (root, i, e) -> {
            ArrowTableWriter.set((VarCharVector) root.getVector("prompt"), i, e.prompt());
            ArrowTableWriter.set((VarCharVector) root.getVector("completion"), i, e.completion());
        });
    }
}
