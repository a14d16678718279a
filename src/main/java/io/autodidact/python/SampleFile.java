package io.autodidact.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.loop.Problem;
import io.autodidact.reward.Sample;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Samples to score, one JSON object per line: {@code completion} and {@code prompt} (required), {@code id}
 * (default: {@code line-N}), {@code answer}, {@code metadata} (an object; non-string values become JSON text).
 */
public final class SampleFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleFile() {}

    /** Reads every line; a malformed one fails with the file and line named. */
    public static List<Sample> read(Path file) {
        List<Sample> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                out.add(parse(line, file + " line " + lineNo, "line-" + lineNo));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Sample parse(String line, String where, String defaultId) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": not a JSON object: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": expected a JSON object per line");
        return sample(n, where, defaultId);
    }

    /**
     * One sample from its JSON object (a line of a samples file, an element of a request's {@code samples}); errors
     * start with {@code where}, which names the line or field.
     */
    public static Sample sample(JsonNode n, String where, String defaultId) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": expected a JSON object with prompt and completion");
        String prompt = text(n, "prompt", where).orElseThrow(() -> new IllegalArgumentException(where + ": missing required field \"prompt\""));
        String completion = text(n, "completion", where)
                .orElseThrow(() -> new IllegalArgumentException(where + ": missing required field \"completion\""));
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode m = n.get("metadata");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) throw new IllegalArgumentException(where + ": \"metadata\" must be an object");
            m.properties().forEach(e -> metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        }
        String id = text(n, "id", where).orElse(defaultId);
        if (prompt.isEmpty()) prompt = " "; // a Problem needs a prompt; scoring a bare completion is legitimate here
        return new Sample(new Problem(id, prompt, text(n, "answer", where), Optional.empty(), OptionalDouble.empty(), metadata), completion);
    }

    private static Optional<String> text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return Optional.empty();
        if (v.isTextual()) return Optional.of(v.asText());
        if (v.isNumber() || v.isBoolean()) return Optional.of(v.asText());
        throw new IllegalArgumentException(where + ": \"" + field + "\" must be a string, got " + v);
    }
}
