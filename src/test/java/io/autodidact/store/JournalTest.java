package io.autodidact.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void entriesSurviveReopenWithTheirData() {
        Path file = dir.resolve("journal.jsonl");
        Journal journal = Journal.open(file, CLOCK);
        journal.recordPart(1, "GENERATE", 0, Map.of("rows", 64));
        journal.recordPart(1, "GENERATE", 2, Map.of("rows", 32));
        journal.recordStage(1, "GENERATE", Map.of("parts", 2, "seconds", 1.5, "note", "ok"));

        Journal reopened = Journal.open(file, CLOCK);
        List<JournalEntry> entries = reopened.entries();
        assertEquals(3, entries.size());
        JournalEntry last = entries.get(2);
        assertEquals(1, last.iteration());
        assertEquals("GENERATE", last.stage());
        assertEquals(JournalEntry.WHOLE_STAGE, last.part());
        assertEquals(CLOCK.instant(), last.timestamp());
        assertEquals(2, last.data().get("parts"));
        assertEquals(1.5, last.data().get("seconds"));
        assertEquals("ok", last.data().get("note"));
        assertTrue(reopened.isDone(1, "GENERATE"));
        assertFalse(reopened.isDone(1, "SCORE"));
        assertFalse(reopened.isDone(2, "GENERATE"));
        assertTrue(reopened.donePart(1, "GENERATE", 2));
        assertFalse(reopened.donePart(1, "GENERATE", 1));
        assertEquals(Set.of(0, 2), reopened.doneParts(1, "GENERATE"));
    }

    @Test
    void tornLastLineIsDroppedAndTruncatedSoAppendsContinueCleanly() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Journal journal = Journal.open(file, CLOCK);
        journal.recordStage(1, "GENERATE", Map.of());
        journal.recordStage(1, "SCORE", Map.of());
        long goodLength = Files.size(file);
        // What kill -9 in the middle of a write leaves: half a line, no newline.
        Files.writeString(file, "{\"iteration\":1,\"stage\":\"SEL", StandardOpenOption.APPEND);

        Journal reopened = Journal.open(file, CLOCK);
        assertEquals(2, reopened.entries().size());
        assertFalse(reopened.isDone(1, "SELECT"));
        assertEquals(goodLength, Files.size(file), "the torn bytes are truncated on open");

        reopened.recordStage(1, "SELECT", Map.of("kept", 7));
        Journal third = Journal.open(file, CLOCK);
        assertEquals(3, third.entries().size());
        assertTrue(third.isDone(1, "SELECT"));
        assertEquals(7, third.entries().get(2).data().get("kept"));
    }

    @Test
    void garbageLastLineWithNewlineIsAlsoTreatedAsTorn() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Journal.open(file, CLOCK).recordStage(0, "BOOTSTRAP", Map.of());
        Files.write(file, new byte[] {0, 0, 0, '\n'}, StandardOpenOption.APPEND);

        assertEquals(1, Journal.open(file, CLOCK).entries().size());
    }

    @Test
    void corruptLineInTheMiddleIsRefusedNotSkipped() throws Exception {
        Path file = dir.resolve("journal.jsonl");
        Journal journal = Journal.open(file, CLOCK);
        journal.recordStage(1, "GENERATE", Map.of());
        String good = Files.readString(file);
        Files.writeString(file, good + "not json\n" + good, StandardCharsets.UTF_8);

        StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> Journal.open(file, CLOCK));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void entryRejectsBadFieldsWithActionableMessages() {
        Instant t = CLOCK.instant();
        IllegalArgumentException stage = assertThrows(IllegalArgumentException.class,
                () -> JournalEntry.stage(1, "two words", t, Map.of()));
        assertTrue(stage.getMessage().contains("GENERATE"), stage.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new JournalEntry(-1, "GENERATE", -1, t, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new JournalEntry(1, "GENERATE", -2, t, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> JournalEntry.part(1, "GENERATE", -1, t, Map.of()));
    }
}
