package io.autodidact.engine.remote;

/**
 * One worker as the remote engine sees it, for the run status and logs.
 *
 * @param role                trainer, generator or trainer+generator
 * @param state               connecting, up or down
 * @param samples             samples this worker delivered (first copies only)
 * @param tokensPerSecond     completion tokens per second of time spent in generate requests on it
 * @param redispatchedSamples samples it was given but did not finish, which went to another worker
 * @param weightSyncBytes     tensor bytes streamed to it by weight syncs
 * @param lastError           why it was last down ("" if never)
 */
public record WorkerStatus(String address, String role, String state, long samples, long tokens, double tokensPerSecond, long failures,
        long redispatchedSamples, long weightSyncs, long weightSyncBytes, double weightSyncSeconds, String lastError) {}
