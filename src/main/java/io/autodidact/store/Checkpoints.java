package io.autodidact.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The run's checkpoint folders ({@code checkpoints/iter-NNNN/}). The engine writes the files; the
 * store hands out the folder and seals it: {@link #markComplete} fsyncs everything the engine
 * wrote and then atomically drops a {@value #MARKER} file, so a folder without the marker is a
 * checkpoint cut short by a crash and must not be loaded.
 */
public final class Checkpoints {

    /** The file whose presence makes a checkpoint folder loadable. */
    public static final String MARKER = "COMPLETE.json";

    private final Path root;

    Checkpoints(Path root) {
        this.root = root;
    }

    /** The folder for {@code iteration}'s checkpoint, created if missing. */
    public Path directory(int iteration) {
        return IterationDirs.create(root.resolve(IterationDirs.name(iteration)));
    }

    /** Makes {@code iteration}'s checkpoint durable and marks it loadable; returns its folder. */
    public Path markComplete(int iteration) {
        Path dir = root.resolve(IterationDirs.name(iteration));
        if (!Files.isDirectory(dir))
            throw new IllegalStateException("no checkpoint folder " + dir + " to mark complete; save the checkpoint first");
        TreeMap<String, Long> sizes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                if (p.getFileName().toString().equals(MARKER)) continue;
                if (Files.isRegularFile(p)) {
                    try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
                        c.force(true);
                    }
                    sizes.put(dir.relativize(p).toString().replace('\\', '/'), Files.size(p));
                } else if (Files.isDirectory(p)) {
                    AtomicFiles.fsyncDirectory(p);
                }
            }
            if (sizes.isEmpty())
                throw new IllegalStateException("checkpoint folder " + dir + " is empty; the engine saved nothing");
            AtomicFiles.write(dir.resolve(MARKER),
                    StoreJson.MAPPER.writeValueAsBytes(Map.of("iteration", iteration, "files", sizes)));
        } catch (IOException e) {
            throw new UncheckedIOException("could not seal checkpoint " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    public boolean isComplete(int iteration) {
        return Files.isRegularFile(root.resolve(IterationDirs.name(iteration)).resolve(MARKER));
    }

    /** Iterations whose checkpoint is complete, ascending. */
    public List<Integer> completeIterations() {
        return IterationDirs.list(root).stream().filter(this::isComplete).toList();
    }

    /** The folder of the newest complete checkpoint: what a resumed run loads. */
    public Optional<Path> latestComplete() {
        List<Integer> done = completeIterations();
        return done.isEmpty() ? Optional.empty() : Optional.of(root.resolve(IterationDirs.name(done.getLast())));
    }
}
