package io.autodidact.engine.djl.kernels;

import io.autodidact.engine.djl.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Builds [B, T] tensors from ragged rows with one bulk copy per row into a direct buffer, copied once more into
 * libtorch's memory (see {@link NativeArrays}): no per-element loop, no padded array on the Java heap. Token and
 * logprob columns of a training batch reach the model this way, whether they came from the loop or from a worker's Flight buffers.
 */
public final class PaddedRows {
    private PaddedRows() {}

    /** int32 [rows, width]: row r's tokens from column 0, {@code pad} after them. */
    public static NDArray ints(NDManager manager, List<int[]> rows, int width, int pad) {
        if (rows.isEmpty() || width == 0) return manager.zeros(new Shape(rows.size(), width), DataType.INT32);
        ByteBuffer data = direct((long) rows.size() * width);
        IntBuffer ints = data.asIntBuffer();
        int[] padding = new int[width];
        Arrays.fill(padding, pad);
        for (int[] row : rows) {
            if (row.length > width) throw new IllegalArgumentException("a row of " + row.length + " tokens does not fit in " + width);
            ints.put(row).put(padding, 0, width - row.length);
        }
        return NativeArrays.owned(manager.create(data, new Shape(rows.size(), width), DataType.INT32));
    }

    /**
     * float32 [rows, width], 0 except row r's values from column {@code at[r]}; a row given as an empty array while
     * {@code length[r]} is not 0 stands for {@code length[r]} ones (a completion without per-token weights).
     */
    public static NDArray floats(NDManager manager, List<float[]> rows, int[] at, int[] length, int width) {
        if (rows.isEmpty() || width == 0) return manager.zeros(new Shape(rows.size(), width), DataType.FLOAT32);
        ByteBuffer data = direct((long) rows.size() * width);
        FloatBuffer floats = data.asFloatBuffer();
        float[] ones = null;
        for (int r = 0; r < rows.size(); r++) {
            float[] row = rows.get(r);
            int n = row.length == 0 ? length[r] : row.length;
            if (at[r] < 0 || at[r] + n > width)
                throw new IllegalArgumentException("row " + r + ": " + n + " values from column " + at[r] + " do not fit in " + width);
            floats.position(r * width + at[r]);
            if (row.length > 0) {
                floats.put(row);
            } else if (n > 0) {
                if (ones == null) {
                    ones = new float[width];
                    Arrays.fill(ones, 1f);
                }
                floats.put(ones, 0, n);
            }
        }
        return NativeArrays.owned(manager.create(data, new Shape(rows.size(), width), DataType.FLOAT32));
    }

    /** A zeroed direct buffer of {@code elements} 4-byte values in the order libtorch reads them. */
    private static ByteBuffer direct(long elements) {
        if (elements * 4 > Integer.MAX_VALUE) throw new IllegalArgumentException("a batch of " + elements + " values is too large for one tensor");
        return ByteBuffer.allocateDirect((int) (elements * 4)).order(ByteOrder.nativeOrder());
    }
}
