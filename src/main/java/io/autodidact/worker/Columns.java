package io.autodidact.worker;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;

/**
 * Moves list&lt;int32&gt; and list&lt;float32&gt; columns between Arrow buffers and Java arrays in bulk: each row is one
 * buffer-to-array copy through a little-endian view of the child's data buffer, never a boxed element or a per-element
 * accessor call. Token and logprob columns of every exchange go through here.
 */
public final class Columns {
    private Columns() {}

    /** Row {@code row} of a list&lt;int32&gt; column. */
    public static int[] ints(ListVector list, int row) {
        int start = list.getOffsetBuffer().getInt((long) row * 4), end = list.getOffsetBuffer().getInt((long) (row + 1) * 4);
        int[] out = new int[end - start];
        if (out.length > 0) view(list.getDataVector().getDataBuffer(), start, out.length).asIntBuffer().get(out);
        return out;
    }

    /** Row {@code row} of a list&lt;float32&gt; column. */
    public static float[] floats(ListVector list, int row) {
        int start = list.getOffsetBuffer().getInt((long) row * 4), end = list.getOffsetBuffer().getInt((long) (row + 1) * 4);
        float[] out = new float[end - start];
        if (out.length > 0) view(list.getDataVector().getDataBuffer(), start, out.length).asFloatBuffer().get(out);
        return out;
    }

    /** Fills a list&lt;int32&gt; column with {@code rows}, one bulk copy per row. */
    public static void setInts(ListVector list, List<int[]> rows) {
        int total = 0;
        for (int[] r : rows) total += r.length;
        ByteBuffer data = prepare(list, rows.size(), total);
        var ints = data.asIntBuffer();
        for (int i = 0; i < rows.size(); i++) {
            list.startNewValue(i);
            ints.put(rows.get(i));
            list.endValue(i, rows.get(i).length);
        }
        finish(list, rows.size(), total);
    }

    /** Fills a list&lt;float32&gt; column with {@code rows}, one bulk copy per row. */
    public static void setFloats(ListVector list, List<float[]> rows) {
        int total = 0;
        for (float[] r : rows) total += r.length;
        ByteBuffer data = prepare(list, rows.size(), total);
        var floats = data.asFloatBuffer();
        for (int i = 0; i < rows.size(); i++) {
            list.startNewValue(i);
            floats.put(rows.get(i));
            list.endValue(i, rows.get(i).length);
        }
        finish(list, rows.size(), total);
    }

    private static ByteBuffer prepare(ListVector list, int rows, int total) {
        list.setInitialCapacity(rows);
        list.allocateNew();
        FieldVector child = list.getDataVector();
        child.setInitialCapacity(Math.max(total, 1));
        child.allocateNew();
        return view(child.getDataBuffer(), 0, total);
    }

    private static void finish(ListVector list, int rows, int total) {
        FieldVector child = list.getDataVector();
        if (total > 0) child.getValidityBuffer().setOne(0, (total + 7) / 8);
        child.setValueCount(total);
        list.setValueCount(rows);
    }

    private static ByteBuffer view(ArrowBuf buf, int startElement, int elements) {
        return buf.nioBuffer((long) startElement * 4, elements * 4).order(ByteOrder.LITTLE_ENDIAN);
    }
}
