package io.autodidact.engine.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file (the Hugging Face weight format: an 8-byte little-endian header length, a JSON
 * header, then the tensors' bytes). The header is validated as strictly as the reference Rust reader does, so a
 * truncated or corrupt file fails at {@link #open} with a message naming the file and tensor. Files under 2 GiB are
 * mapped once; larger ones are mapped one tensor at a time (a single tensor must stay under 2 GiB). The mappings
 * live until garbage collected, so there is nothing to close. Immutable and safe to share between threads.
 */
public final class SafetensorsFile implements TensorSource {

    /** The reference reader rejects headers larger than this. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, ByteBuffer> buffers;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, TensorInfo> tensors, Map<String, ByteBuffer> buffers,
                            Map<String, String> metadata) {
        this.path = path;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.buffers = buffers;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Maps and validates {@code file}; IOException names the file and what is wrong with it. */
    public static SafetensorsFile open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8)
                throw new IOException(file + " is truncated: " + size + " bytes, but a safetensors file starts with an "
                        + "8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 0 || headerLen > size - 8)
                throw new IOException(file + ": header length " + Long.toUnsignedString(headerLen) + " runs past the end of "
                        + "the file (" + size + " bytes): the file is truncated or not safetensors");
            if (headerLen > MAX_HEADER_BYTES)
                throw new IOException(file + ": header length " + headerLen + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8, file);
            long dataStart = 8 + headerLen;
            Header header = parseHeader(file, new String(headerBuf.array(), StandardCharsets.UTF_8), size - dataStart);
            return new SafetensorsFile(file, header.tensors, map(ch, file, dataStart, size - dataStart, header.tensors),
                    header.metadata);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null)
            throw new IllegalArgumentException("no tensor " + name + " in " + path + " (it has " + tensors.size() + " tensors"
                    + (tensors.isEmpty() ? "" : ", e.g. " + tensors.keySet().iterator().next()) + ")");
        return info;
    }

    @Override
    public ByteBuffer buffer(String name) {
        info(name);
        return buffers.get(name).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String describe(String name) {
        return "tensor " + name + " in " + path;
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }

    private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

    private static Header parseHeader(Path file, String text, long dataSize) throws IOException {
        if (!text.startsWith("{"))
            throw new IOException(file + ": header does not start with '{': not a safetensors file, or corrupt");
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new IOException(file + ": header is not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) throw new IOException(file + ": header is not a JSON object");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) throw new IOException(file + ": __metadata__ must be an object of strings");
                for (Map.Entry<String, JsonNode> kv : node.properties()) {
                    if (!kv.getValue().isTextual())
                        throw new IOException(file + ": __metadata__." + kv.getKey() + " must be a string, got " + kv.getValue());
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            tensors.put(name, tensorInfo(file, name, node, dataSize));
        }
        checkLayout(file, tensors.values(), dataSize);
        return new Header(tensors, metadata);
    }

    private static TensorInfo tensorInfo(Path file, String name, JsonNode node, long dataSize) throws IOException {
        String where = file + ": tensor " + name;
        if (!node.isObject()) throw new IOException(where + " must be an object with dtype, shape and data_offsets");
        JsonNode dtype = node.get("dtype"), shape = node.get("shape"), offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual()) throw new IOException(where + " has no string dtype");
        if (shape == null || !shape.isArray()) throw new IOException(where + " has no shape array");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2)
            throw new IOException(where + " needs data_offsets [begin, end]");
        DType type;
        try {
            type = DType.fromHeader(dtype.textValue());
        } catch (IllegalArgumentException ex) {
            throw new IOException(where + ": " + ex.getMessage(), ex);
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToExactIntegral() || !d.canConvertToLong() || d.longValue() < 0)
                throw new IOException(where + ": shape entry " + i + " must be a non-negative integer, got " + d);
            dims[i] = d.longValue();
        }
        long begin = offset(where, offsets.get(0)), end = offset(where, offsets.get(1));
        if (end < begin) throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
        if (end > dataSize)
            throw new IOException(where + ": data_offsets [" + begin + ", " + end + "] run past the data section ("
                    + dataSize + " bytes): the file is truncated");
        try {
            return new TensorInfo(name, type, dims, begin, end - begin);
        } catch (IllegalArgumentException | ArithmeticException ex) {
            throw new IOException(file + ": misaligned " + ex.getMessage(), ex);
        }
    }

    private static long offset(String where, JsonNode n) throws IOException {
        if (n == null || !n.canConvertToExactIntegral() || !n.canConvertToLong() || n.longValue() < 0)
            throw new IOException(where + ": data_offsets must be non-negative integers, got " + n);
        return n.longValue();
    }

    /** Tensors must tile the data section exactly: no overlap, no hole, nothing after the last one. */
    private static void checkLayout(Path file, Iterable<TensorInfo> infos, long dataSize) throws IOException {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::length));
        long cursor = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.offset() < cursor)
                throw new IOException(file + ": tensor " + t.name() + " [" + t.offset() + ", " + (t.offset() + t.length())
                        + ") overlaps tensor " + previous.name() + " which ends at " + cursor);
            if (t.offset() > cursor)
                throw new IOException(file + ": " + (t.offset() - cursor) + " unused bytes before tensor " + t.name()
                        + " at offset " + t.offset() + (previous == null ? "" : " (after " + previous.name() + ")")
                        + "; safetensors data must be contiguous");
            cursor = t.offset() + t.length();
            previous = t;
        }
        if (cursor != dataSize)
            throw new IOException(file + ": the data section has " + dataSize + " bytes but the tensors cover " + cursor
                    + (previous == null ? "" : " (last: " + previous.name() + ")") + "; the file has trailing bytes or is corrupt");
    }

    private static Map<String, ByteBuffer> map(FileChannel ch, Path file, long dataStart, long dataSize,
                                               Map<String, TensorInfo> tensors) throws IOException {
        Map<String, ByteBuffer> out = new LinkedHashMap<>();
        if (dataSize <= Integer.MAX_VALUE) {
            ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataSize);
            for (TensorInfo t : tensors.values()) out.put(t.name(), all.slice((int) t.offset(), (int) t.length()));
            return out;
        }
        for (TensorInfo t : tensors.values()) {
            if (t.length() > Integer.MAX_VALUE)
                throw new IOException(file + ": tensor " + t.name() + " has " + t.length() + " bytes; tensors over 2 GiB "
                        + "cannot be mapped as one buffer: re-save the checkpoint with smaller shards or split the tensor");
            out.put(t.name(), ch.map(FileChannel.MapMode.READ_ONLY, dataStart + t.offset(), t.length()));
        }
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, Path file) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, position + dst.position());
            if (n < 0) throw new IOException(file + " ended while reading its header: the file is truncated");
        }
    }
}
