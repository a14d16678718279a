package io.autodidact.engine.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.engine.HfFixtures;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @TempDir Path tmp;

    @Test
    void readsTransformersCheckpointHeaderAndWeights() throws IOException {
        SafetensorsFile f = SafetensorsFile.open(HfFixtures.hf().resolve("llama-tiny/model.safetensors"));
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertEquals(21, f.names().size());
        assertEquals("lm_head.weight", f.names().getFirst());
        TensorInfo q = f.info("model.layers.0.self_attn.q_proj.weight");
        assertEquals(DType.F32, q.dtype());
        assertArrayEquals(new long[] {64, 64}, q.shape());
        assertEquals(406016, q.offset());
        assertEquals(64 * 64 * 4, q.length());
        assertArrayEquals(new long[] {16, 64}, f.info("model.layers.1.self_attn.k_proj.weight").shape());
        float[] w = f.toFloatArray("model.embed_tokens.weight");
        assertEquals(512 * 64, w.length);
        // Weights were drawn from N(0, 0.08): the sample std must be near 0.08, and never all zeros.
        double sq = 0;
        for (float v : w) sq += v * v;
        assertEquals(0.08, Math.sqrt(sq / w.length), 0.005);
        // buffer() and toFloatArray() agree, and the buffer is a little-endian view of exactly this tensor.
        ByteBuffer b = f.buffer("model.embed_tokens.weight");
        assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
        assertEquals(512 * 64 * 4, b.remaining());
        assertEquals(w[12345], b.getFloat(12345 * 4));
    }

    @Test
    void readsExpectedOutputsWithInt64Ids() throws IOException {
        SafetensorsFile f = SafetensorsFile.open(HfFixtures.hf().resolve("llama-tiny/expected.safetensors"));
        assertEquals(List.of("greedy_ids", "input_ids", "logits"), f.names());
        assertEquals(Map.of(), f.metadata());
        TensorInfo ids = f.info("input_ids");
        assertEquals(DType.I64, ids.dtype());
        assertArrayEquals(new long[] {2, 12}, ids.shape());
        assertArrayEquals(new long[] {2, 16}, f.info("greedy_ids").shape());
        assertArrayEquals(new long[] {2, 12, 512}, f.info("logits").shape());
        long[] asLongs = f.toLongArray("input_ids");
        int[] asInts = f.toIntArray("input_ids");
        assertEquals(24, asLongs.length);
        for (int i = 0; i < 24; i++) {
            assertEquals(asLongs[i], asInts[i]);
            assertTrue(asInts[i] >= 0 && asInts[i] < 512, "token id within the tiny vocab: " + asInts[i]);
        }
        assertEquals(2 * 12 * 512, f.toFloatArray("logits").length);
    }

    @Test
    void rewritingTheTransformersCheckpointReproducesItByteForByte() throws IOException {
        Path original = HfFixtures.hf().resolve("llama-tiny/model.safetensors");
        SafetensorsFile f = SafetensorsFile.open(original);
        LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
        for (String n : f.names()) tensors.put(n, new TensorData(f.info(n).dtype(), f.info(n).shape(), f.buffer(n)));
        Path copy = tmp.resolve("model.safetensors");
        SafetensorsWriter.write(copy, tensors, f.metadata());
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(copy));
    }

    @Test
    void roundTripsF32Bf16AndI64Exactly() throws IOException {
        float[] f32 = {0f, -0f, 1.5f, -3.25e-7f, Float.MAX_VALUE, Float.MIN_VALUE, Float.NaN, Float.NEGATIVE_INFINITY};
        float[] bf16 = {1f, -2f, 0.5f, 3.140625f, -0f, Float.POSITIVE_INFINITY}; // all exactly representable in bf16
        long[] i64 = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 151645};
        LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("w", TensorData.f32(new long[] {2, 4}, f32));
        tensors.put("h", TensorData.bf16(new long[] {3, 2}, bf16));
        tensors.put("ids", TensorData.i64(new long[] {5}, i64));
        tensors.put("scalar", TensorData.f32(new long[0], 42f));
        tensors.put("empty", TensorData.f32(new long[] {0, 3}));
        Path file = tmp.resolve("rt.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("step", "7"));

        SafetensorsFile f = SafetensorsFile.open(file);
        assertEquals(List.of("w", "h", "ids", "scalar", "empty"), f.names());
        assertEquals(Map.of("format", "pt", "step", "7"), f.metadata());
        assertArrayEquals(new long[] {2, 4}, f.info("w").shape());
        assertEquals(DType.BF16, f.info("h").dtype());
        float[] back = f.toFloatArray("w");
        for (int i = 0; i < f32.length; i++)
            assertEquals(Float.floatToRawIntBits(f32[i]), Float.floatToRawIntBits(back[i]), "f32 element " + i);
        float[] backBf16 = f.toFloatArray("h");
        for (int i = 0; i < bf16.length; i++)
            assertEquals(Float.floatToRawIntBits(bf16[i]), Float.floatToRawIntBits(backBf16[i]), "bf16 element " + i);
        assertArrayEquals(i64, f.toLongArray("ids"));
        assertArrayEquals(new long[0], f.info("scalar").shape());
        assertArrayEquals(new float[] {42f}, f.toFloatArray("scalar"));
        assertEquals(0, f.toFloatArray("empty").length);

        // The header is padded with spaces to a multiple of 8 and starts with __metadata__, as HF writes it.
        byte[] bytes = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\",\"step\":\"7\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,4],"
                + "\"data_offsets\":[0,32]}"), header);
        assertTrue(headerLen - header.stripTrailing().length() < 8, "padding is under 8 spaces: " + header);
        assertTrue(header.stripTrailing().endsWith("}"), header);
    }

    @Test
    void convertsBf16AndF16BitPatternsToKnownFloats() throws IOException {
        short[] bf16Bits = {(short) 0x3F80, (short) 0xC000, (short) 0x3EAA, (short) 0x7F80, (short) 0x0001, (short) 0x4049};
        float[] bf16Expected = {1f, -2f, 0.33203125f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000), 3.140625f};
        short[] f16Bits = {(short) 0x3C00, (short) 0xC000, (short) 0x3555, (short) 0x7C00, (short) 0x0001};
        float[] f16Expected = {1f, -2f, 0.333251953125f, Float.POSITIVE_INFINITY, 5.9604645e-8f};
        LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("b", new TensorData(DType.BF16, new long[] {bf16Bits.length}, shorts(bf16Bits)));
        tensors.put("h", new TensorData(DType.F16, new long[] {f16Bits.length}, shorts(f16Bits)));
        Path file = tmp.resolve("half.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        SafetensorsFile f = SafetensorsFile.open(file);
        assertArrayEquals(bf16Expected, f.toFloatArray("b"));
        assertArrayEquals(f16Expected, f.toFloatArray("h"));
        // Rounding float -> bf16 is half to even, as torch.Tensor.to(torch.bfloat16) does.
        assertEquals((short) 0x3F80, DType.floatToBf16(Float.intBitsToFloat(0x3F808000))); // tie, even stays
        assertEquals((short) 0x3F82, DType.floatToBf16(Float.intBitsToFloat(0x3F818000))); // tie, odd rounds up
        assertEquals((short) 0x3F81, DType.floatToBf16(Float.intBitsToFloat(0x3F808001)));
    }

    @Test
    void rejectsATruncatedFileNamingFileAndTensor() throws IOException {
        byte[] whole = Files.readAllBytes(HfFixtures.hf().resolve("llama-tiny/expected.safetensors"));
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 100));
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(cut));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("tensor logits")
                && e.getMessage().contains("truncated"), e.getMessage());

        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        e = assertThrows(IOException.class, () -> SafetensorsFile.open(tiny));
        assertTrue(e.getMessage().contains("truncated: 3 bytes"), e.getMessage());

        Path headerCut = tmp.resolve("header-cut.safetensors");
        Files.write(headerCut, Arrays.copyOf(whole, 100));
        e = assertThrows(IOException.class, () -> SafetensorsFile.open(headerCut));
        assertTrue(e.getMessage().contains("header length 208 runs past the end of the file (100 bytes)"), e.getMessage());
    }

    @Test
    void rejectsCorruptHeaders() throws IOException {
        assertCorrupt("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor a: unknown dtype \"F33\"");
        assertCorrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "tensor a has 4 bytes but shape [2] of F32 needs 8");
        assertCorrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "tensor b [4, 8) overlaps tensor a");
        assertCorrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "4 unused bytes before tensor a");
        assertCorrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, "has 12 bytes but the tensors cover 4");
        assertCorrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, "header is not valid JSON");
        assertCorrupt("[1,2]", 0, "does not start with '{'");
        assertCorrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "shape entry 0 must be a non-negative");
        assertCorrupt("{\"__metadata__\":{\"n\":3}}", 0, "__metadata__.n must be a string");
        assertCorrupt("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "Duplicate field 'a'");
    }

    @Test
    void mapsFilesOver2GiBOneTensorAtATime() throws IOException {
        // A sparse file: two U8 tensors of 1.5 GB and 1 GB, with known bytes at their edges.
        long a = 1_500_000_000L, b = 1_000_000_000L;
        String header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[" + a + "],\"data_offsets\":[0," + a + "]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[" + b + "],\"data_offsets\":[" + a + "," + (a + b) + "]}}";
        Path file = tmp.resolve("big.safetensors");
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + h.length;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.setLength(dataStart + a + b);
            raf.seek(dataStart + a - 1);
            raf.write(new byte[] {11, 22}); // last byte of a, first byte of b
            raf.seek(dataStart + a + b - 1);
            raf.write(33);
        }
        SafetensorsFile f = SafetensorsFile.open(file);
        ByteBuffer ba = f.buffer("a"), bb = f.buffer("b");
        assertEquals(a, ba.capacity());
        assertEquals(b, bb.capacity());
        assertEquals(11, ba.get((int) a - 1));
        assertEquals(22, bb.get(0));
        assertEquals(33, bb.get((int) b - 1));
        assertEquals(0, bb.get(12345));
    }

    private void assertCorrupt(String header, int dataBytes, String expected) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path file = tmp.resolve("corrupt.safetensors");
        Files.write(file, b.array());
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.open(file), header);
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(file.toString()),
                "expected \"" + expected + "\" in: " + e.getMessage());
    }

    private static ByteBuffer shorts(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(values);
        return b;
    }
}
