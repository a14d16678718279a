package io.autodidact.engine.safetensors;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Named tensors read from safetensors: one file ({@link SafetensorsFile}) or a sharded checkpoint
 * ({@link ShardedSafetensors}). Model loaders take this, so they don't care how the weights were split.
 */
public interface TensorSource {

    /** Tensor names in header order. */
    List<String> names();

    boolean contains(String name);

    /** Type, shape and location of {@code name}; throws IllegalArgumentException naming the file when absent. */
    TensorInfo info(String name);

    /** The tensor's bytes: a read-only little-endian view of the mapped file, positioned at 0. */
    ByteBuffer buffer(String name);

    /** The {@code __metadata__} string map (empty when the header has none). */
    Map<String, String> metadata();

    /** Elements of an F32, BF16 or F16 tensor as floats (exact widening). */
    default float[] toFloatArray(String name) {
        return Conversions.toFloats(info(name), buffer(name), describe(name));
    }

    /** Elements of an I64 or I32 tensor as longs. */
    default long[] toLongArray(String name) {
        return Conversions.toLongs(info(name), buffer(name), describe(name));
    }

    /** Elements of an I32 tensor, or of an I64 tensor whose values all fit an int, as ints. */
    default int[] toIntArray(String name) {
        return Conversions.toInts(info(name), buffer(name), describe(name));
    }

    /** "tensor X in file Y", for error messages. */
    String describe(String name);
}
