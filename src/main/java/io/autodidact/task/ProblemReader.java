package io.autodidact.task;

import io.autodidact.loop.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads problems from a JSON Lines ({@code .jsonl}) or Arrow IPC ({@code .arrow}, {@code .arrows},
 * {@code .feather}) file. Fields: {@code id} (string; defaults to {@code line-N} or {@code row-N}),
 * {@code prompt} (required), {@code answer} (string or number), {@code category}, {@code difficulty}
 * (number) and {@code metadata} (object). Any other field is kept in the metadata rather than rejected,
 * so datasets with extra columns load as they are.
 */
public final class ProblemReader {
    private static final Set<String> FIELDS = Set.of("id", "prompt", "answer", "category", "difficulty", "metadata");

    private ProblemReader() {}

    /** @throws DatasetException naming the file, line or row, and field of the first bad record */
    public static List<Problem> read(Path file) {
        List<Problem> problems = new ArrayList<>();
        Map<String, String> firstSeen = new HashMap<>();
        DatasetFormat.forEachRow(file, row -> {
            Problem problem = problem(row);
            String earlier = firstSeen.putIfAbsent(problem.id(), row.where());
            if (earlier != null)
                throw row.error("duplicate id \"" + problem.id() + "\" (first at " + earlier + "); ids must be unique");
            problems.add(problem);
        });
        return List.copyOf(problems);
    }

    static Problem problem(Row row) {
        String id = row.optionalText("id").orElse(row.fallbackId());
        if (id.isBlank()) throw row.error("field \"id\" must not be blank");
        String prompt = row.requiredString("prompt");
        Map<String, String> metadata = new LinkedHashMap<>(row.optionalObject("metadata"));
        for (Map.Entry<String, Object> field : row.fields().entrySet()) {
            if (FIELDS.contains(field.getKey()) || field.getValue() == null) continue;
            if (metadata.containsKey(field.getKey()))
                throw row.error("field \"" + field.getKey() + "\" is also a key of \"metadata\"; rename one of them");
            metadata.put(field.getKey(), row.stringify(field.getValue()));
        }
        return new Problem(id, prompt, row.optionalText("answer"), row.optionalString("category"),
                row.optionalNumber("difficulty"), metadata);
    }
}
