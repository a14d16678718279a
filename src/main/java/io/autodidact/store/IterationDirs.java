package io.autodidact.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Naming of the per-iteration folders ({@code iter-0001}) shared by rollouts and checkpoints. */
final class IterationDirs {

    private static final Pattern NAME = Pattern.compile("iter-(\\d{4,9})");

    private IterationDirs() {}

    static String name(int iteration) {
        if (iteration < 0) throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
        return String.format("iter-%04d", iteration);
    }

    /** The iterations that have a folder under {@code parent}, ascending. */
    static List<Integer> list(Path parent) {
        List<Integer> iterations = new ArrayList<>();
        if (!Files.isDirectory(parent)) return iterations;
        try (Stream<Path> children = Files.list(parent)) {
            for (Path child : children.toList()) {
                Matcher m = NAME.matcher(child.getFileName().toString());
                if (m.matches() && Files.isDirectory(child)) iterations.add(Integer.parseInt(m.group(1)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + parent + ": " + e.getMessage(), e);
        }
        iterations.sort(null);
        return iterations;
    }

    static Path create(Path dir) {
        try {
            boolean existed = Files.isDirectory(dir);
            Files.createDirectories(dir);
            if (!existed) AtomicFiles.fsyncDirectory(dir.toAbsolutePath().getParent());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + dir + ": " + e.getMessage(), e);
        }
    }
}
