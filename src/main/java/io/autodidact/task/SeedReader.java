package io.autodidact.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads labelled seed examples from the same formats as {@link ProblemReader}: fields {@code prompt} and
 * {@code completion}, both required non-empty strings. Other fields are ignored.
 */
public final class SeedReader {
    private SeedReader() {}

    /** @throws DatasetException naming the file, line or row, and field of the first bad record */
    public static List<SeedExample> read(Path file) {
        List<SeedExample> examples = new ArrayList<>();
        DatasetFormat.forEachRow(file, row ->
                examples.add(new SeedExample(row.requiredString("prompt"), row.requiredString("completion"))));
        return List.copyOf(examples);
    }
}
