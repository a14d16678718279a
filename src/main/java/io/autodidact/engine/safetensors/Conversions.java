package io.autodidact.engine.safetensors;

import java.nio.ByteBuffer;

/** Decoding of tensor bytes into Java arrays, shared by every {@link TensorSource}. */
final class Conversions {
    private Conversions() {}

    static float[] toFloats(TensorInfo info, ByteBuffer b, String what) {
        float[] out = new float[count(info, what)];
        switch (info.dtype()) {
            case F32 -> b.asFloatBuffer().get(out);
            case BF16 -> { for (int i = 0; i < out.length; i++) out[i] = DType.bf16ToFloat(b.getShort(2 * i)); }
            case F16 -> { for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(b.getShort(2 * i)); }
            default -> throw wrongType(info, what, "F32, BF16 or F16", "toLongArray/toIntArray");
        }
        return out;
    }

    static long[] toLongs(TensorInfo info, ByteBuffer b, String what) {
        long[] out = new long[count(info, what)];
        switch (info.dtype()) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < out.length; i++) out[i] = b.getInt(4 * i); }
            default -> throw wrongType(info, what, "I64 or I32", "toFloatArray");
        }
        return out;
    }

    static int[] toInts(TensorInfo info, ByteBuffer b, String what) {
        int[] out = new int[count(info, what)];
        switch (info.dtype()) {
            case I32 -> b.asIntBuffer().get(out);
            case I64 -> {
                for (int i = 0; i < out.length; i++) {
                    long v = b.getLong(8 * i);
                    if (v != (int) v)
                        throw new IllegalArgumentException(what + ": element " + i + " = " + v
                                + " does not fit an int; use toLongArray");
                    out[i] = (int) v;
                }
            }
            default -> throw wrongType(info, what, "I32 or I64", "toFloatArray");
        }
        return out;
    }

    private static int count(TensorInfo info, String what) {
        long n = info.numel();
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(what + " has " + n + " elements, too many for a Java array; read buffer() instead");
        return (int) n;
    }

    private static IllegalArgumentException wrongType(TensorInfo info, String what, String expected, String instead) {
        return new IllegalArgumentException(what + " is " + info.dtype() + ", expected " + expected + "; use " + instead
                + " or buffer()");
    }
}
