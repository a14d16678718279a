package io.autodidact.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProblemReaderTest {
    @TempDir
    Path dir;

    private static final List<Problem> PROBLEMS = List.of(
            new Problem("p1", "2+2=", Optional.of("4"), Optional.of("arithmetic"), OptionalDouble.of(1),
                    Map.of("source", "hand", "note", "ünïcode ✓")),
            new Problem("p2", "Capital of France?\nOne word.", Optional.empty(), Optional.empty(),
                    OptionalDouble.empty(), Map.of()),
            new Problem("p3", "x", Optional.of("1.5"), Optional.empty(), OptionalDouble.of(2.5), Map.of("k", "")));

    private Path jsonl(String... lines) throws IOException {
        Path file = dir.resolve("train.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void jsonlRoundTripKeepsEveryField() {
        Path file = dir.resolve("data/problems.jsonl");
        ProblemWriter.writeJsonl(file, PROBLEMS);
        assertEquals(PROBLEMS, ProblemReader.read(file));
    }

    @Test
    void arrowRoundTripKeepsEveryFieldAcrossRecordBatches() {
        List<Problem> many = new ArrayList<>();
        for (int i = 0; i < ArrowTableWriter.BATCH_ROWS + 1000; i++) {
            Problem base = PROBLEMS.get(i % PROBLEMS.size());
            many.add(new Problem("id-" + i, base.prompt(), base.answer(), base.category(), base.difficulty(),
                    i % 7 == 0 ? Map.of() : Map.of("i", Integer.toString(i), "source", "gen")));
        }
        for (String name : List.of("problems.arrow", "problems.feather")) {
            Path file = dir.resolve(name);
            ProblemWriter.writeArrow(file, many);
            assertEquals(many, ProblemReader.read(file), name);
        }
    }

    @Test
    void missingIdDefaultsToTheLineNumberCountingBlankLines() throws IOException {
        Path file = jsonl("{\"prompt\": \"a\"}", "", "{\"prompt\": \"b\", \"id\": 17}");
        List<Problem> problems = ProblemReader.read(file);
        assertEquals(List.of("line-1", "17"), problems.stream().map(Problem::id).toList());
    }

    @Test
    void rejectsRowWithoutPromptNamingFileAndLine() throws IOException {
        Path file = jsonl("{\"prompt\": \"a\"}", "{\"prompt\": \"b\"}", "{\"answer\": \"3\"}");
        var e = assertThrows(DatasetException.class, () -> ProblemReader.read(file));
        assertEquals(file + " line 3: missing required field \"prompt\"", e.getMessage());
    }

    @Test
    void rejectsBadDifficultyTypeNamingTheField() throws IOException {
        Path file = jsonl("{\"prompt\": \"a\", \"difficulty\": \"hard\"}");
        var e = assertThrows(DatasetException.class, () -> ProblemReader.read(file));
        assertEquals(file + " line 1: field \"difficulty\" must be a number, got string \"hard\"", e.getMessage());
    }

    @Test
    void rejectsDuplicateIdsNamingBothLines() throws IOException {
        Path file = jsonl("{\"id\": \"a\", \"prompt\": \"x\"}", "{\"id\": \"b\", \"prompt\": \"y\"}",
                "{\"id\": \"a\", \"prompt\": \"z\"}");
        var e = assertThrows(DatasetException.class, () -> ProblemReader.read(file));
        assertEquals(file + " line 3: duplicate id \"a\" (first at line 1); ids must be unique", e.getMessage());
    }

    @Test
    void keepsUnknownFieldsInMetadataAsText() throws IOException {
        Path file = jsonl("{\"prompt\": \"p\", \"source\": \"gsm8k\", \"tags\": [\"a\", 2], \"n\": 3, "
                + "\"ok\": true, \"gone\": null, \"metadata\": {\"k\": 1.50, \"nested\": {\"x\": null}}}");
        Problem p = ProblemReader.read(file).getFirst();
        assertEquals(Map.of("source", "gsm8k", "tags", "[\"a\",2]", "n", "3", "ok", "true", "k", "1.5",
                "nested", "{\"x\":null}"), p.metadata());
    }

    @Test
    void rejectsExtraFieldThatCollidesWithAMetadataKey() throws IOException {
        Path file = jsonl("{\"prompt\": \"p\", \"source\": \"a\", \"metadata\": {\"source\": \"b\"}}");
        var e = assertThrows(DatasetException.class, () -> ProblemReader.read(file));
        assertTrue(e.getMessage().contains("line 1: field \"source\" is also a key of \"metadata\""), e.getMessage());
    }

    @Test
    void numericAnswersBecomeTheirPlainDecimalText() throws IOException {
        Path file = jsonl("{\"prompt\": \"a\", \"answer\": 168}", "{\"prompt\": \"b\", \"answer\": 2.50}",
                "{\"prompt\": \"c\", \"answer\": 1e3}", "{\"prompt\": \"d\", \"answer\": 0.1}");
        assertEquals(List.of("168", "2.5", "1000", "0.1"),
                ProblemReader.read(file).stream().map(p -> p.answer().orElseThrow()).toList());
    }

    @Test
    void rejectsWrongTypesAndBadJsonNamingTheLine() throws IOException {
        Path broken = jsonl("{\"prompt\": \"a\"}", "{\"prompt\": ");
        String message = assertThrows(DatasetException.class, () -> ProblemReader.read(broken)).getMessage();
        assertTrue(message.startsWith(broken + " line 2: invalid JSON: "), message);
        assertTrue(assertThrows(DatasetException.class, () -> ProblemReader.read(jsonl("[1, 2]")))
                .getMessage().endsWith("line 1: expected a JSON object, got array"));
        assertTrue(assertThrows(DatasetException.class,
                () -> ProblemReader.read(jsonl("{\"prompt\": \"a\", \"answer\": true}")))
                .getMessage().endsWith("line 1: field \"answer\" must be a string or a number, got boolean true"));
        assertTrue(assertThrows(DatasetException.class,
                () -> ProblemReader.read(jsonl("{\"prompt\": \"a\", \"metadata\": \"x\"}")))
                .getMessage().endsWith("line 1: field \"metadata\" must be an object, got string \"x\""));
        assertTrue(assertThrows(DatasetException.class, () -> ProblemReader.read(jsonl("{\"prompt\": \"\"}")))
                .getMessage().endsWith("line 1: field \"prompt\" must not be empty"));
        assertTrue(assertThrows(DatasetException.class,
                () -> ProblemReader.read(jsonl("{\"prompt\": \"a\", \"prompt\": \"b\"}")))
                .getMessage().contains("line 1: invalid JSON: Duplicate field 'prompt'"));
    }

    @Test
    void rejectsUnknownExtensionsAndMissingFiles() {
        var ext = assertThrows(DatasetException.class, () -> ProblemReader.read(dir.resolve("train.csv")));
        assertTrue(ext.getMessage().contains("use one of .jsonl, .arrow, .arrows, .feather"), ext.getMessage());
        var missing = assertThrows(DatasetException.class, () -> ProblemReader.read(dir.resolve("none.jsonl")));
        assertEquals(dir.resolve("none.jsonl") + ": no such file", missing.getMessage());
    }
}
