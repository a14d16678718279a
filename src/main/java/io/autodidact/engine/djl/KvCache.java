package io.autodidact.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for a batch being decoded, preallocated to the longest sequence so
 * each step writes one slot in place and attends to the filled prefix only.
 */
final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;

    KvCache(NDManager manager, LlamaConfig c, long batch, long capacity) {
        keys = new NDArray[c.numHiddenLayers()];
        values = new NDArray[c.numHiddenLayers()];
        Shape shape = new Shape(batch, c.numKeyValueHeads(), capacity, c.headDim());
        for (int i = 0; i < keys.length; i++) {
            keys[i] = manager.zeros(shape, DataType.FLOAT32);
            values[i] = manager.zeros(shape, DataType.FLOAT32);
        }
    }

    private KvCache(NDArray[] keys, NDArray[] values) {
        this.keys = keys;
        this.values = values;
    }

    void write(int layer, NDArray k, NDArray v, int offset) {
        long t = k.getShape().get(2);
        NDIndex slots = new NDIndex(":, :, {}:{}", offset, offset + t);
        keys[layer].set(slots, k);
        values[layer].set(slots, v);
    }

    NDArray keys(int layer, long span) {
        return keys[layer].get(new NDIndex(":, :, :{}", span));
    }

    NDArray values(int layer, long span) {
        return values[layer].get(new NDIndex(":, :, :{}", span));
    }

    /** Keeps only the given batch rows (finished sequences leave the batch so they cost nothing). */
    KvCache select(NDArray rows, NDManager manager) {
        NDArray[] k = new NDArray[keys.length], v = new NDArray[keys.length];
        for (int i = 0; i < keys.length; i++) {
            k[i] = keys[i].get(manager, new NDIndex("{}", rows));
            v[i] = values[i].get(manager, new NDIndex("{}", rows));
        }
        return new KvCache(k, v);
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }
}
