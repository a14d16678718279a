package io.autodidact.engine.safetensors;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The element types of the safetensors format, spelled as in the file header ({@code "F32"}, {@code "BF16"}, ...).
 * Sub-byte types (F4, F6) are not supported.
 */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), F8_E8M0(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    F64(8), I64(8), U64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The type named {@code name} in a header; the exception lists the supported names. */
    public static DType fromHeader(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) return t;
        }
        throw new IllegalArgumentException("unknown dtype \"" + name + "\"; supported: " + supported()
                + (name.equals(name.toUpperCase(Locale.ROOT)) ? "" : " (names are upper case)"));
    }

    static String supported() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }

    /** The float a bfloat16 bit pattern stands for (exact: bf16 is the top half of an f32). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The nearest bfloat16 to {@code value}, rounding half to even as PyTorch does; NaN stays NaN. */
    public static short floatToBf16(float value) {
        if (Float.isNaN(value)) return (short) 0x7FC0;
        int bits = Float.floatToRawIntBits(value);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
