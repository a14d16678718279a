package io.autodidact.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of one JSON object per line, durable line by line. A line counts only when
 * it is whole (ends with a newline and parses): after a kill -9 or power cut the last line may be
 * torn, and {@link #readAndRepair} drops it, truncating the file so the next append starts clean.
 * A bad line followed by good ones is not a crash artefact, so it is refused rather than skipped.
 */
final class JsonLines {

    private static final Logger LOG = LoggerFactory.getLogger(JsonLines.class);

    private final Path file;

    JsonLines(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Reads every whole line; truncates a torn last line away (with a warning). */
    List<JsonNode> readAndRepair() {
        return read(true);
    }

    /**
     * Reads every whole line and leaves the file alone: for readers in another process or thread than the
     * writer (the Flight server), to whom a torn last line is a line still being written.
     */
    List<JsonNode> readWhole() {
        return read(false);
    }

    private List<JsonNode> read(boolean repair) {
        if (!Files.exists(file)) return List.of();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file + ": " + e.getMessage(), e);
        }
        List<JsonNode> nodes = new ArrayList<>();
        int start = 0;
        int lineNumber = 0;
        long validBytes = 0;
        String tornReason = null;
        while (start < bytes.length) {
            lineNumber++;
            int end = indexOf(bytes, (byte) '\n', start);
            if (end < 0) {
                tornReason = "line " + lineNumber + " has no newline";
                break;
            }
            String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
            if (!line.isBlank()) {
                try {
                    JsonNode node = StoreJson.MAPPER.readTree(line);
                    if (node == null || !node.isObject()) throw new IllegalStateException("not a JSON object");
                    nodes.add(node);
                } catch (JsonProcessingException | IllegalStateException e) {
                    if (!onlyWhitespaceAfter(bytes, end + 1)) {
                        throw new StoreCorruptedException(file + " line " + lineNumber + " is not a JSON object ("
                                + e.getMessage().lines().findFirst().orElse("") + ") and lines follow it, so it is not"
                                + " a torn write from a crash; fix or remove that line by hand");
                    }
                    tornReason = "line " + lineNumber + " does not parse";
                    break;
                }
            }
            start = end + 1;
            validBytes = start;
        }
        if (tornReason != null && repair) truncate(validBytes, bytes.length, tornReason);
        return nodes;
    }

    /** Appends {@code value} as one line and fsyncs before returning. */
    void append(Object value) {
        byte[] json;
        try {
            json = StoreJson.MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write to " + file + ": value is not JSON-serialisable: "
                    + e.getOriginalMessage(), e);
        }
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        boolean created = !Files.exists(file);
        try (FileChannel channel = FileChannel.open(file,
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (line.hasRemaining()) channel.write(line);
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not append to " + file + ": " + e.getMessage()
                    + " (check free space and permissions)", e);
        }
        if (created) AtomicFiles.fsyncDirectory(file.toAbsolutePath().getParent());
    }

    private void truncate(long validBytes, long totalBytes, String reason) {
        LOG.warn("{}: dropping a torn last line ({} of {} bytes; {}), most likely left by a crash mid-write",
                file, totalBytes - validBytes, totalBytes, reason);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(validBytes);
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not truncate the torn last line of " + file + ": " + e.getMessage(), e);
        }
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) if (bytes[i] == b) return i;
        return -1;
    }

    private static boolean onlyWhitespaceAfter(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) if (!Character.isWhitespace(bytes[i])) return false;
        return true;
    }
}
