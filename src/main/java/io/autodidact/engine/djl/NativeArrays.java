package io.autodidact.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays that own their memory in libtorch, and arithmetic with Java numbers that keeps it so.
 *
 * <p>DJL's {@code NDManager.create(float[] ...)} and {@code create(Number)} wrap a direct ByteBuffer with
 * {@code torch::from_blob}: the tensor borrows Java memory, which the garbage collector frees once the array is
 * closed. DJL's {@code NDArray.mul(Number)} (and div, pow, maximum, minimum, rdiv) makes such a scalar, computes, and
 * closes the scalar at once; but autograd saved that scalar to compute the gradient later, so backward read freed
 * memory that malloc had meanwhile handed out again. The symptom was training that came out differently from run to
 * run with the same seed: the loss of a step equal, its gradients not; rarely on a quiet machine, at almost every step
 * with frequent garbage collections. Every array made from Java values goes through {@link #of} (copied into
 * libtorch's memory, so closing the Java-side array frees nothing a tensor still reads), and arithmetic with a Java
 * number that autograd may record goes through the operations here (the number becomes a tensor made by libtorch
 * itself). DJL's own number arithmetic stays safe where nothing is recorded, as in {@link AdamW}'s update: the
 * scalar is read once, before DJL closes it.
 */
public final class NativeArrays {
    private NativeArrays() {}

    public static NDArray of(NDManager manager, float[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    public static NDArray of(NDManager manager, int[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    public static NDArray of(NDManager manager, long[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    /** A float32 scalar made by libtorch (no Java memory behind it), in {@code manager}. */
    public static NDArray scalar(NDManager manager, double value) {
        return manager.full(new Shape(), (float) value);
    }

    public static NDArray mul(NDArray a, double s) {
        return a.mul(scalar(a.getManager(), s));
    }

    public static NDArray div(NDArray a, double s) {
        return a.div(scalar(a.getManager(), s));
    }

    /** {@code s / a}. */
    public static NDArray rdiv(NDArray a, double s) {
        return scalar(a.getManager(), s).div(a);
    }

    public static NDArray pow(NDArray a, double s) {
        return a.pow(scalar(a.getManager(), s));
    }

    public static NDArray maximum(NDArray a, double s) {
        return a.maximum(scalar(a.getManager(), s));
    }

    public static NDArray minimum(NDArray a, double s) {
        return a.minimum(scalar(a.getManager(), s));
    }

    /** A copy of {@code aliasing} in libtorch's memory; {@code aliasing} is closed. */
    public static NDArray owned(NDArray aliasing) {
        try (aliasing) {
            return aliasing.duplicate();
        }
    }
}
