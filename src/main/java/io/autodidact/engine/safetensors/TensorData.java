package io.autodidact.engine.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor to write: its type, shape and raw little-endian bytes (the buffer's remaining bytes; the writer reads
 * a duplicate, so the caller's position is untouched).
 */
public record TensorData(DType dtype, long[] shape, ByteBuffer data) {

    public TensorData {
        Objects.requireNonNull(dtype, "dtype must not be null");
        Objects.requireNonNull(shape, "shape must not be null (use new long[0] for a scalar)");
        Objects.requireNonNull(data, "data must not be null");
        shape = shape.clone();
        long expected = Math.multiplyExact(numel("tensor", shape), dtype.byteSize());
        if (data.remaining() != expected)
            throw new IllegalArgumentException("data has " + data.remaining() + " bytes remaining but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + expected + "; check the shape or flip() the buffer");
        data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static TensorData f32(long[] shape, float... values) {
        ByteBuffer b = allocate(values.length, 4);
        b.asFloatBuffer().put(values);
        return new TensorData(DType.F32, shape, b);
    }

    /** Rounds each value to bfloat16 (half to even). */
    public static TensorData bf16(long[] shape, float... values) {
        ByteBuffer b = allocate(values.length, 2);
        for (float v : values) b.putShort(DType.floatToBf16(v));
        return new TensorData(DType.BF16, shape, b.flip());
    }

    public static TensorData i64(long[] shape, long... values) {
        ByteBuffer b = allocate(values.length, 8);
        b.asLongBuffer().put(values);
        return new TensorData(DType.I64, shape, b);
    }

    public static TensorData i32(long[] shape, int... values) {
        ByteBuffer b = allocate(values.length, 4);
        b.asIntBuffer().put(values);
        return new TensorData(DType.I32, shape, b);
    }

    private static ByteBuffer allocate(int count, int size) {
        return ByteBuffer.allocate(Math.multiplyExact(count, size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    static long numel(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + " has a negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
