package io.autodidact.task;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** JSON Lines files: one object per line; when reading, blank lines are skipped and lines counted from 1. */
final class JsonLines {
    // Decimals as BigDecimal keep "0.1" exact when it becomes answer text.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonLines() {}

    static void forEach(Path file, Consumer<Row> action) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null) {
                number++;
                if (number == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                if (line.isBlank()) continue;
                action.accept(new Row(file, "line " + number, "line-" + number, parse(file, number, line)));
            }
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes one JSON object per element, creating parent folders. */
    static void write(Path file, List<? extends Map<String, ?>> records) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (Map<String, ?> record : records) {
                    out.write(JSON.writeValueAsString(record));
                    out.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(Path file, int number, String line) {
        Object value;
        try {
            value = JSON.readValue(line, Object.class);
        } catch (JsonProcessingException e) {
            throw new DatasetException(file + " line " + number + ": invalid JSON: " + e.getOriginalMessage());
        }
        if (!(value instanceof Map<?, ?> map))
            throw new DatasetException(file + " line " + number + ": expected a JSON object, got "
                    + (value == null ? "null" : Row.typeName(value)));
        return (Map<String, Object>) map;
    }
}
