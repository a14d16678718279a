package io.autodidact.task;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/** The dataset file formats, chosen by file extension, each able to walk its records as {@link Row}s. */
enum DatasetFormat {
    JSONL,
    ARROW;

    static final String EXTENSIONS = ".jsonl, .arrow, .arrows, .feather";

    static DatasetFormat of(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl")) return JSONL;
        if (name.endsWith(".arrow") || name.endsWith(".arrows") || name.endsWith(".feather")) return ARROW;
        throw new DatasetException(file + ": unknown dataset format; use one of " + EXTENSIONS);
    }

    /** Reads every record of {@code file}, in order. */
    static void forEachRow(Path file, Consumer<Row> action) {
        switch (of(file)) {
            case JSONL -> JsonLines.forEach(file, action);
            case ARROW -> ArrowRows.forEach(file, action);
        }
    }
}
