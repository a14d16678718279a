package io.autodidact.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {

    @TempDir
    Path runs;

    @Test
    void createdRunReopensWithConfigFormatAndJournal() {
        Path dir = runs.resolve("star-addition-001");
        RunDirectory created = RunDirectory.create(dir, Map.of("recipe", "star", "iterations", 3), Clock.systemUTC());
        created.journal().recordStage(0, "BOOTSTRAP", Map.of());

        RunDirectory run = RunDirectory.open(dir);
        assertEquals("star-addition-001", run.runId());
        assertEquals(1, run.formatVersion());
        assertEquals("star", run.readRunConfig().get("recipe"));
        assertEquals(3, run.readRunConfig().get("iterations"));
        assertTrue(run.journal().isDone(0, "BOOTSTRAP"));
        try (var allocator = new org.apache.arrow.memory.RootAllocator()) {
            assertEquals(run.root().resolve("rollouts/iter-0007/part-00003.arrow"), run.rollouts(allocator).partFile(7, 3));
        }
    }

    @Test
    void openRefusesANewerFormatVersionNamingBothVersions() throws Exception {
        Path dir = runs.resolve("future");
        RunDirectory.create(dir, "recipe: star\n", Clock.systemUTC());
        Files.writeString(dir.resolve("format.json"), "{\"format_version\": 3, \"created_by\": \"autodidact 9.0\"}");

        UnsupportedFormatException e = assertThrows(UnsupportedFormatException.class, () -> RunDirectory.open(dir));
        assertTrue(e.getMessage().contains("format version 3"), e.getMessage());
        assertTrue(e.getMessage().contains("reads up to 1"), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade autodidact"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.getFileName().toString()), e.getMessage());
    }

    @Test
    void openRefusesAFolderThatIsNotARunDir() throws Exception {
        Path notRun = Files.createDirectories(runs.resolve("photos"));
        Files.writeString(notRun.resolve("cat.txt"), "meow");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(notRun));
        assertTrue(e.getMessage().contains("not an autodidact run dir"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(runs.resolve("missing")));
    }

    @Test
    void createRefusesAnExistingRunOrAForeignFolder() throws Exception {
        Path dir = runs.resolve("r1");
        RunDirectory.create(dir, "a: 1\n", Clock.systemUTC());
        assertThrows(IllegalStateException.class, () -> RunDirectory.create(dir, "a: 2\n", Clock.systemUTC()));
        assertEquals("a: 1\n", RunDirectory.open(dir).readRunYaml());

        Path foreign = Files.createDirectories(runs.resolve("r2"));
        Files.writeString(foreign.resolve("notes.md"), "x");
        assertThrows(IllegalStateException.class, () -> RunDirectory.create(foreign, "a: 1\n", Clock.systemUTC()));
    }

    @Test
    void openSweepsTempFilesACrashLeftBehind() throws Exception {
        Path dir = runs.resolve("crashed");
        RunDirectory.create(dir, "a: 1\n", Clock.systemUTC());
        Path stale = Files.writeString(dir.resolve(AtomicFiles.TEMP_PREFIX + "summary.json-123"), "{\"half");

        RunDirectory.open(dir);
        assertFalse(Files.exists(stale));
    }

    @Test
    void summaryIsReplacedAtomicallyAndReadBack() {
        RunDirectory run = RunDirectory.create(runs.resolve("s"), "a: 1\n", Clock.systemUTC());
        assertEquals(Map.of(), run.readSummary());
        run.writeSummary(Map.of("final_pass1", 0.5));
        run.writeSummary(Map.of("final_pass1", 0.75, "iterations", 4));
        assertEquals(Map.of("final_pass1", 0.75, "iterations", 4), run.readSummary());
    }

    @Test
    void checkpointCountsOnlyOnceMarkedComplete() throws Exception {
        Checkpoints checkpoints = RunDirectory.create(runs.resolve("c"), "a: 1\n", Clock.systemUTC()).checkpoints();
        Path one = checkpoints.directory(1);
        Files.writeString(one.resolve("model.safetensors"), "weights");
        checkpoints.markComplete(1);
        Path two = checkpoints.directory(2);
        Files.writeString(two.resolve("model.safetensors"), "half");

        assertTrue(checkpoints.isComplete(1));
        assertFalse(checkpoints.isComplete(2));
        assertEquals(List.of(1), checkpoints.completeIterations());
        assertEquals(Optional.of(one), checkpoints.latestComplete());
        assertThrows(IllegalStateException.class, () -> checkpoints.markComplete(3));
    }

    @Test
    void atomicWriteReplacesContentAndLeavesNoTempFiles() throws Exception {
        Path target = runs.resolve("out/data.bin");
        AtomicFiles.write(target, new byte[] {1, 2, 3});
        AtomicFiles.writeString(target, "second");

        assertEquals("second", Files.readString(target));
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void failedAtomicWriteKeepsTheOldContentAndRemovesItsTemp() throws Exception {
        Path target = runs.resolve("keep.txt");
        AtomicFiles.writeString(target, "old");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, channel -> {
            channel.write(java.nio.ByteBuffer.wrap("partial".getBytes()));
            throw new IllegalStateException("encoder failed");
        }));

        assertEquals("old", Files.readString(target));
        try (Stream<Path> files = Files.list(runs)) {
            assertEquals(List.of(target), files.toList());
        }
    }
}
