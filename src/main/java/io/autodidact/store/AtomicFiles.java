package io.autodidact.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Crash-safe file replacement: a reader sees either the old content or the new, never a mix, and
 * once {@code write} returns the new content survives a power cut. Every writer in the run
 * directory goes through here.
 */
public final class AtomicFiles {

    /** Temp files start with this so {@link #deleteStaleTemps} can sweep what a crash left behind. */
    static final String TEMP_PREFIX = ".tmp-";

    /** Streams content into the open temp file; the channel must not be closed by the callback. */
    @FunctionalInterface
    public interface ContentWriter {
        void writeTo(WritableByteChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /** Replaces {@code target} with {@code bytes} atomically and durably. */
    public static void write(Path target, byte[] bytes) {
        write(target, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
        });
    }

    /** Replaces {@code target} with {@code text} encoded as UTF-8, atomically and durably. */
    public static void writeString(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Replaces {@code target} with whatever {@code content} writes, atomically and durably: the
     * bytes go to a temp file in the same directory (so the rename cannot cross file systems),
     * which is fsynced, renamed over the target, and then the directory is fsynced so the rename
     * itself is durable.
     */
    public static void write(Path target, ContentWriter content) {
        Path dir = parentOf(target);
        Path temp = dir.resolve(TEMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            move(temp, target);
            fsyncDirectory(dir);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("could not write " + target + " atomically: " + e.getMessage()
                    + " (check free space and permissions of " + dir + ")", e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(temp);
            throw e;
        }
    }

    /**
     * Makes the directory entries of {@code dir} durable (new, renamed or removed files). A no-op
     * on platforms that cannot open a directory for sync (Windows), where rename is durable anyway.
     */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (Files.isDirectory(dir) && System.getProperty("os.name", "").startsWith("Windows")) return;
            throw new UncheckedIOException("could not fsync directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Removes temp files a crash left in {@code dir}; returns the paths removed. */
    public static List<Path> deleteStaleTemps(Path dir) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) return removed;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
                Files.deleteIfExists(p);
                removed.add(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not sweep temp files in " + dir + ": " + e.getMessage(), e);
        }
        return removed;
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + target + " cannot rename atomically; "
                    + "put the runs directory on a local file system", e);
        }
    }

    private static Path parentOf(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null) throw new IllegalArgumentException("target " + target + " has no parent directory");
        return parent;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // The original failure is the one worth reporting; a leftover temp is swept on next open.
        }
    }
}
