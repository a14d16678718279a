package io.autodidact.engine.djl.kernels;

import io.autodidact.engine.djl.NativeArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Locale;
import org.graalvm.polyglot.HostAccess;

/**
 * The only host object a kernel context sees: the NDArray operations behind {@code autodidact.kernels.xp}.
 * Python holds NDArrays as opaque handles and passes them back here; every method returns a new array made by
 * DJL on the calling thread, so it belongs to the caller's {@code NDScope} and, in grad mode, to libtorch's
 * autograd graph. Only {@link HostAccess.Export}ed methods are reachable from Python.
 */
public final class ArrayBridge {
    private static final int ALL = -999;

    // ------------------------------------------------------------------ arithmetic
    @HostAccess.Export public NDArray add(NDArray a, NDArray b) { return a.add(b); }
    @HostAccess.Export public NDArray sub(NDArray a, NDArray b) { return a.sub(b); }
    @HostAccess.Export public NDArray mul(NDArray a, NDArray b) { return a.mul(b); }
    @HostAccess.Export public NDArray div(NDArray a, NDArray b) { return a.div(b); }
    @HostAccess.Export public NDArray pow(NDArray a, NDArray b) { return a.pow(b); }
    @HostAccess.Export public NDArray addScalar(NDArray a, double s) { return a.add((float) s); }
    @HostAccess.Export public NDArray subScalar(NDArray a, double s) { return a.sub((float) s); }
    @HostAccess.Export public NDArray rsubScalar(NDArray a, double s) { return a.neg().add((float) s); }
    @HostAccess.Export public NDArray mulScalar(NDArray a, double s) { return NativeArrays.mul(a, s); }
    @HostAccess.Export public NDArray divScalar(NDArray a, double s) { return NativeArrays.div(a, s); }
    @HostAccess.Export public NDArray rdivScalar(NDArray a, double s) { return NativeArrays.rdiv(a, s); }
    @HostAccess.Export public NDArray powScalar(NDArray a, double s) { return NativeArrays.pow(a, s); }
    @HostAccess.Export public NDArray neg(NDArray a) { return a.neg(); }

    // ------------------------------------------------------------------ elementwise
    @HostAccess.Export public NDArray exp(NDArray a) { return a.exp(); }
    @HostAccess.Export public NDArray log(NDArray a) { return a.log(); }
    @HostAccess.Export public NDArray log1p(NDArray a) { return a.add(1f).log(); }
    @HostAccess.Export public NDArray abs(NDArray a) { return a.abs(); }
    @HostAccess.Export public NDArray sqrt(NDArray a) { return a.sqrt(); }
    @HostAccess.Export public NDArray sigmoid(NDArray a) { return a.getNDArrayInternal().sigmoid(); }
    @HostAccess.Export public NDArray clip(NDArray a, double lo, double hi) { return a.clip(lo, hi); }
    @HostAccess.Export public NDArray maximum(NDArray a, NDArray b) { return a.maximum(b); }
    @HostAccess.Export public NDArray minimum(NDArray a, NDArray b) { return a.minimum(b); }
    @HostAccess.Export public NDArray maximumScalar(NDArray a, double s) { return NativeArrays.maximum(a, s); }
    @HostAccess.Export public NDArray minimumScalar(NDArray a, double s) { return NativeArrays.minimum(a, s); }
    @HostAccess.Export public NDArray where(NDArray condition, NDArray a, NDArray b) { return NDArrays.where(condition, a, b); }

    // ------------------------------------------------------------------ comparisons and logic
    @HostAccess.Export public NDArray gt(NDArray a, NDArray b) { return a.gt(b); }
    @HostAccess.Export public NDArray ge(NDArray a, NDArray b) { return a.gte(b); }
    @HostAccess.Export public NDArray lt(NDArray a, NDArray b) { return a.lt(b); }
    @HostAccess.Export public NDArray le(NDArray a, NDArray b) { return a.lte(b); }
    @HostAccess.Export public NDArray gtScalar(NDArray a, double s) { return a.gt((float) s); }
    @HostAccess.Export public NDArray geScalar(NDArray a, double s) { return a.gte((float) s); }
    @HostAccess.Export public NDArray ltScalar(NDArray a, double s) { return a.lt((float) s); }
    @HostAccess.Export public NDArray leScalar(NDArray a, double s) { return a.lte((float) s); }
    @HostAccess.Export public NDArray logicalAnd(NDArray a, NDArray b) { return a.logicalAnd(b); }
    @HostAccess.Export public NDArray logicalOr(NDArray a, NDArray b) { return a.logicalOr(b); }
    @HostAccess.Export public NDArray logicalNot(NDArray a) { return a.logicalNot(); }

    // ------------------------------------------------------------------ reductions
    @HostAccess.Export public NDArray sum(NDArray a, int axis, boolean keepDims) {
        return axis == ALL ? (keepDims ? a.sum(allAxes(a), true) : a.sum()) : a.sum(new int[] {axis}, keepDims);
    }

    @HostAccess.Export public NDArray mean(NDArray a, int axis, boolean keepDims) {
        return axis == ALL ? (keepDims ? a.mean(allAxes(a), true) : a.mean()) : a.mean(new int[] {axis}, keepDims);
    }

    @HostAccess.Export public NDArray max(NDArray a, int axis, boolean keepDims) {
        return axis == ALL ? (keepDims ? a.max(allAxes(a), true) : a.max()) : a.max(new int[] {axis}, keepDims);
    }

    /**
     * {@code sum(x * mask)} over {@code axis}: one crossing instead of a multiply and a sum. A boolean mask counts as 0/1;
     * the mask broadcasts against {@code x}.
     */
    @HostAccess.Export public NDArray maskedSum(NDArray x, NDArray mask, int axis, boolean keepDims) {
        return sum(x.mul(asWeights(mask)), axis, keepDims);
    }

    /**
     * {@code sum(x * mask) / max(sum(mask broadcast to x), 1)} over {@code axis}, so an empty row gives 0: xp's masked
     * mean in one crossing (it was eight: the dtype check, a ones array, two products, two sums, a maximum, a division).
     * The same libtorch operations on the same values as the Python spelling, so the same numbers.
     */
    @HostAccess.Export public NDArray maskedMean(NDArray x, NDArray mask, int axis, boolean keepDims) {
        NDArray m = asWeights(mask);
        NDArray count = m.getShape().equals(x.getShape()) ? m : m.mul(x.onesLike());
        return sum(x.mul(m), axis, keepDims).div(NativeArrays.maximum(sum(count, axis, keepDims), 1));
    }

    private static NDArray asWeights(NDArray mask) {
        return mask.getDataType() == DataType.BOOLEAN ? mask.toType(DataType.FLOAT32, false) : mask;
    }

    /**
     * The {@code q} quantile of the entries of {@code a} where {@code mask > 0}, by linear interpolation between the
     * sorted values (torch.quantile's default), as a detached scalar; NaN when the mask selects nothing.
     */
    @HostAccess.Export public NDArray quantile(NDArray a, NDArray mask, double q) {
        float[] values = a.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
        float[] m = mask.broadcast(a.getShape()).toType(DataType.FLOAT32, false).toFloatArray();
        return NativeArrays.scalar(a.getManager(), (float) quantile(values, m, q));
    }

    /** {@link #quantile(NDArray, NDArray, double)} on plain arrays: the one definition both kernels use. */
    public static double quantile(float[] values, float[] mask, double q) {
        int n = 0;
        double[] kept = new double[values.length];
        for (int i = 0; i < values.length; i++) if (mask[i] > 0) kept[n++] = values[i];
        if (n == 0) return Double.NaN;
        double[] sorted = java.util.Arrays.copyOf(kept, n);
        java.util.Arrays.sort(sorted);
        double pos = q * (n - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(n - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static int[] allAxes(NDArray a) {
        int[] axes = new int[a.getShape().dimension()];
        for (int i = 0; i < axes.length; i++) axes[i] = i;
        return axes;
    }

    // ------------------------------------------------------------------ softmax, indexing, shape
    @HostAccess.Export public NDArray logSoftmax(NDArray a, int axis) { return a.logSoftmax(axis); }
    @HostAccess.Export public NDArray softmax(NDArray a, int axis) { return a.softmax(axis); }
    @HostAccess.Export public NDArray takeAlongAxis(NDArray a, NDArray indices, int axis) { return a.gather(indices, axis); }
    @HostAccess.Export public NDArray get(NDArray a, String index) { return a.get(new NDIndex(index)); }
    @HostAccess.Export public NDArray expandDims(NDArray a, int axis) { return a.expandDims(axis); }
    @HostAccess.Export public NDArray squeeze(NDArray a, int axis) { return a.squeeze(axis); }

    @HostAccess.Export public NDArray reshape(NDArray a, String shape) {
        String[] parts = shape.split(",");
        long[] dims = new long[parts.length];
        for (int i = 0; i < dims.length; i++) dims[i] = Long.parseLong(parts[i].trim());
        return a.reshape(new Shape(dims));
    }

    @HostAccess.Export public NDArray fullLike(NDArray a, double value) {
        return a.getManager().full(a.getShape(), (float) value, a.getDataType().isFloating() ? a.getDataType() : DataType.FLOAT32);
    }

    @HostAccess.Export public NDArray astype(NDArray a, String dtype) {
        DataType t = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32" -> DataType.FLOAT32;
            case "float64" -> DataType.FLOAT64;
            case "int64" -> DataType.INT64;
            case "int32" -> DataType.INT32;
            case "bool", "boolean" -> DataType.BOOLEAN;
            default -> throw new IllegalArgumentException("astype: unknown dtype \"" + dtype + "\"; use float32, float64, int64, int32 or bool");
        };
        return a.toType(t, false);
    }

    @HostAccess.Export public NDArray stopGradient(NDArray a) { return a.stopGradient(); }

    // ------------------------------------------------------------------ inspection
    @HostAccess.Export public String shape(NDArray a) {
        StringBuilder sb = new StringBuilder();
        for (long d : a.getShape().getShape()) sb.append(sb.isEmpty() ? "" : ",").append(d);
        return sb.toString();
    }

    @HostAccess.Export public String dtype(NDArray a) { return a.getDataType().name().toLowerCase(Locale.ROOT); }
    /** The value of a one-element array; a float32 one (every monitor) is read as it is, with no conversion op first. */
    @HostAccess.Export public double item(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a.getFloat() : a.toType(DataType.FLOAT64, false).getDouble();
    }
}
