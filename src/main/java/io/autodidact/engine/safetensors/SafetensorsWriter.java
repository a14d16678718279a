package io.autodidact.engine.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes safetensors files byte for byte as the Hugging Face {@code safetensors} library does: compact JSON header
 * with {@code __metadata__} first (always carrying {@code "format": "pt"} unless the caller sets another format),
 * then tensors in the caller's order with contiguous offsets, header padded with spaces to a multiple of 8 bytes.
 * The file appears atomically (temp file in the same directory, fsync, rename), so a crash never leaves half a
 * checkpoint under the final name.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    public static void write(Path file, LinkedHashMap<String, TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(file, "file must not be null");
        Objects.requireNonNull(tensors, "tensors must not be null (use an empty map)");
        Objects.requireNonNull(metadata, "metadata must not be null (use Map.of())");
        byte[] header = header(file, tensors, metadata);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (TensorData t : tensors.values()) writeFully(ch, t.data());
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static byte[] header(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        ObjectNode root = SafetensorsFile.JSON.createObjectNode();
        ObjectNode meta = root.putObject("__metadata__");
        meta.put("format", metadata.getOrDefault("format", "pt"));
        metadata.forEach((k, v) -> {
            Objects.requireNonNull(k, "metadata keys must not be null");
            Objects.requireNonNull(v, () -> "metadata value for " + k + " must not be null");
            meta.put(k, v);
        });
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals("__metadata__"))
                throw new IllegalArgumentException("tensor name \"" + name + "\" is not allowed in " + file
                        + ": names must be non-empty and not __metadata__");
            TensorData t = Objects.requireNonNull(e.getValue(), () -> "tensor " + name + " has no data");
            long length = t.data().remaining();
            ObjectNode node = root.putObject(name);
            node.put("dtype", t.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            node.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
