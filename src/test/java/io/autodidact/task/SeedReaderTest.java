package io.autodidact.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedReaderTest {
    @TempDir
    Path dir;

    private static final List<SeedExample> SEEDS = List.of(
            new SeedExample("321000+540000=", "3580\n2460\n1010\n0000\n0000\n0000\n>8610000"),
            new SeedExample("Q: \"quoted\"?", "A: yes ✓"));

    @Test
    void jsonlAndArrowRoundTrip() {
        Path jsonl = dir.resolve("seed.jsonl");
        SeedWriter.writeJsonl(jsonl, SEEDS);
        assertEquals(SEEDS, SeedReader.read(jsonl));
        Path arrow = dir.resolve("seed.arrow");
        SeedWriter.writeArrow(arrow, SEEDS);
        assertEquals(SEEDS, SeedReader.read(arrow));
    }

    @Test
    void rejectsRowWithoutCompletionNamingFileAndLine() throws IOException {
        Path file = dir.resolve("seed.jsonl");
        Files.writeString(file, "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"c\", \"extra\": 1}\n");
        var e = assertThrows(DatasetException.class, () -> SeedReader.read(file));
        assertEquals(file + " line 2: missing required field \"completion\"", e.getMessage());
    }

    @Test
    void rejectsNonStringCompletionNamingTheField() throws IOException {
        Path file = dir.resolve("seed.jsonl");
        Files.writeString(file, "{\"prompt\": \"a\", \"completion\": 5}\n");
        var e = assertThrows(DatasetException.class, () -> SeedReader.read(file));
        assertEquals(file + " line 1: field \"completion\" must be a string, got number 5", e.getMessage());
    }
}
