package io.autodidact.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One worker as a remote engine sees it: for the run status, its event stream, Prometheus and logs.
 *
 * @param role                trainer, generator or trainer+generator
 * @param state               connecting, up, stalled (connected but no health answer within the deadline: SIGSTOP, a hung
 *                            driver) or dead (its connection fails: killed, crashed, not started)
 * @param samples             samples this worker delivered (first copies only)
 * @param tokensPerSecond     completion tokens per second of time spent in generate requests on it
 * @param redispatchedSamples samples it was given but did not finish, which went to another worker
 * @param weightSyncBytes     tensor bytes streamed to it by weight syncs
 * @param rejoins             times it came back up after being stalled or dead
 * @param lastError           why it was last down ("" if never)
 */
public record WorkerStatus(String address, String role, String state, long samples, long tokens, double tokensPerSecond, long failures,
        long redispatchedSamples, long weightSyncs, long weightSyncBytes, double weightSyncSeconds, long rejoins, String lastError) {

    /** The states a worker can be in, in the order dashboards list them. */
    public static final java.util.List<String> STATES = java.util.List.of("connecting", "up", "stalled", "dead");

    public WorkerStatus {
        if (!STATES.contains(state)) throw new IllegalArgumentException("worker state must be one of " + STATES + ", got " + state);
        lastError = lastError == null ? "" : lastError;
    }

    /** The JSON shape of the REST status and the SSE events (snake_case keys, as the rest of the API). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", address);
        m.put("role", role);
        m.put("state", state);
        m.put("samples", samples);
        m.put("tokens", tokens);
        m.put("tokens_per_s", tokensPerSecond);
        m.put("failures", failures);
        m.put("redispatched_samples", redispatchedSamples);
        m.put("weight_syncs", weightSyncs);
        m.put("weight_sync_bytes", weightSyncBytes);
        m.put("weight_sync_s", weightSyncSeconds);
        m.put("rejoins", rejoins);
        m.put("last_error", lastError);
        return m;
    }

    /**
     * Told when a worker changes state. {@code change} is {@code up} (first contact), {@code stalled}, {@code dead},
     * {@code rejoined} (up again after stalled or dead) or {@code restarted} (it answers with a new instance id: it lost
     * its models). Called on the supervisor's threads: return quickly and do not throw.
     */
    @FunctionalInterface
    public interface Listener {
        void changed(String change, WorkerStatus worker);
    }
}
