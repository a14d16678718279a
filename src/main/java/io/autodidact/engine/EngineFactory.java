package io.autodidact.engine;

import java.nio.file.Path;
import java.util.List;

/** Makes policy engines: fresh ones of a given shape, or from a checkpoint directory. */
public interface EngineFactory {
    PolicyEngine create(ModelShape shape, Tokenizer tokenizer, long seed);

    PolicyEngine load(Path checkpoint);

    /** The workers this factory's engines run on, with state and throughput (the last known once none is open); none in process. */
    default List<WorkerStatus> workers() {
        return List.of();
    }

    /** Calls {@code listener} whenever one of {@link #workers()} changes state; returns how to stop listening. */
    default Runnable watchWorkers(WorkerStatus.Listener listener) {
        return () -> {};
    }

    /** The shape of a fresh Llama-family model. */
    record ModelShape(int hidden, int layers, int heads, int kvHeads, int context) {
        public ModelShape {
            if (hidden < 1 || layers < 1 || heads < 1 || kvHeads < 1 || context < 2)
                throw new IllegalArgumentException("model shape must be positive, got " + hidden + "/" + layers + "/" + heads + "/" + kvHeads + "/" + context);
        }
    }
}
