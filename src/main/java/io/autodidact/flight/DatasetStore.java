package io.autodidact.flight;

import io.autodidact.loop.UploadedDatasets;
import io.autodidact.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The datasets folder: {@code <name>.arrow} files that appear whole or not at all. An upload is written to a hidden
 * temp file and {@linkplain #publish published} by one atomic file-system operation: a hard link (which fails if the
 * name exists, so of two concurrent uploads exactly one wins) or, to replace, a rename over the old file.
 */
final class DatasetStore {

    private static final String TEMP_PREFIX = ".upload-";

    private final Path root;

    DatasetStore(Path root) {
        this.root = root;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the datasets folder " + root + ": " + e.getMessage(), e);
        }
        sweepTemps();
    }

    Path root() {
        return root;
    }

    Path file(String name) {
        return UploadedDatasets.file(root, name);
    }

    boolean exists(String name) {
        return Files.isRegularFile(file(name));
    }

    /** Stored dataset names, sorted. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(root)) {
            for (Path p : files.toList()) {
                String f = p.getFileName().toString();
                if (!f.endsWith(UploadedDatasets.EXTENSION) || !Files.isRegularFile(p)) continue;
                String name = f.substring(0, f.length() - UploadedDatasets.EXTENSION.length());
                if (UploadedDatasets.isValidName(name)) names.add(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + root + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    /** A fresh hidden file to write an upload of {@code name} into. */
    Path tempFile(String name) {
        return root.resolve(TEMP_PREFIX + name + "-" + UUID.randomUUID());
    }

    /**
     * Makes the fully written, fsynced {@code temp} visible as dataset {@code name}.
     *
     * @throws FileAlreadyExistsException when {@code replace} is false and the name exists (the temp is removed)
     */
    void publish(Path temp, String name, boolean replace) throws IOException {
        Path target = file(name);
        try {
            if (replace) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.createLink(target, temp);
                Files.delete(temp);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        AtomicFiles.fsyncDirectory(root);
    }

    /** Removes dataset {@code name}; false when there was none. */
    boolean delete(String name) {
        try {
            boolean deleted = Files.deleteIfExists(file(name));
            if (deleted) AtomicFiles.fsyncDirectory(root);
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + file(name) + ": " + e.getMessage(), e);
        }
    }

    // Uploads a crash cut short; no upload is running yet when the store opens.
    private void sweepTemps() {
        try (Stream<Path> files = Files.list(root)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("could not sweep unfinished uploads in " + root + ": " + e.getMessage(), e);
        }
    }
}
