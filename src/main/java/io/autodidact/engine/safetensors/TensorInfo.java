package io.autodidact.engine.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives in a safetensors file: its type, shape and byte range, with {@code offset} counted from
 * the start of the data section (right after the header), as in the header's {@code data_offsets}.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long offset, long length) {

    public TensorInfo {
        Objects.requireNonNull(name, "name must not be null");
        Objects.requireNonNull(dtype, () -> "dtype of tensor " + name + " must not be null");
        Objects.requireNonNull(shape, () -> "shape of tensor " + name + " must not be null (use [] for a scalar)");
        shape = shape.clone();
        long numel = TensorData.numel(name, shape);
        if (offset < 0) throw new IllegalArgumentException("offset of tensor " + name + " must be >= 0, got " + offset);
        if (length != Math.multiplyExact(numel, dtype.byteSize()))
            throw new IllegalArgumentException("tensor " + name + " has " + length + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + numel * dtype.byteSize());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        return length / dtype.byteSize();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && offset == t.offset && length == t.length;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), offset, length);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @" + offset + "+" + length;
    }
}
