package io.autodidact.api;

import io.autodidact.engine.WorkerStatus;
import io.autodidact.service.RunEvent;
import io.autodidact.service.RunService;
import io.autodidact.service.RunStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service's Prometheus metrics: runs by status and the queue's length, stage durations, tokens generated and
 * trained (counters: rates follow with {@code rate()}), reward calls and errors (from runs and from reward trials),
 * JVM memory, GC and threads, and the process's resident memory, which also counts libtorch's and GraalPy's native
 * memory that the JVM gauges do not see; for runs on the remote engine, each worker's state, samples, tokens, tokens/s,
 * failures, re-dispatches, rejoins and weight syncs, labelled by worker.
 */
public final class ServiceMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Runnable unobserve;
    private final RunService runs;
    /** execution (run#n) -> worker address -> the counters already added, so each scrape adds only what is new. */
    private final Map<String, Map<String, WorkerStatus>> counted = new HashMap<>();
    /** worker address -> its latest status (from the newest run using it), read by the per-worker gauges. */
    private final Map<String, WorkerStatus> latest = new ConcurrentHashMap<>();

    public ServiceMetrics(RunService runs) {
        this.runs = runs;
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("process.resident.memory", ServiceMetrics::residentBytes).baseUnit("bytes")
                .description("Resident set size of the service process (VmRSS): heap, libtorch and GraalPy native memory").register(registry);
        for (RunStatus s : RunStatus.values())
            Gauge.builder("autodidact.runs", runs, r -> r.countsByStatus().get(s.label())).tag("status", s.label())
                    .description("Runs known to the service, by status").register(registry);
        Gauge.builder("autodidact.queue.length", runs, r -> r.countsByStatus().get(RunStatus.QUEUED.label()))
                .description("Runs waiting for a worker").register(registry);
        unobserve = runs.observe(this::record);
    }

    private void record(String run, RunEvent e) {
        switch (e.type()) {
            case "stage_finished" -> Timer.builder("autodidact.stage.duration").tag("stage", (String) e.data().get("stage"))
                    .description("Wall time of finished run stages").register(registry)
                    .record(Duration.ofNanos((long) (((Number) e.data().get("seconds")).doubleValue() * 1e9)));
            case "tokens" -> {
                String stage = (String) e.data().get("stage");
                String name = stage.equals("generate") ? "autodidact.tokens.generated" : "autodidact.tokens.trained";
                Counter.builder(name).tag("stage", stage).description("Tokens through the engine").register(registry)
                        .increment(((Number) e.data().get("count")).doubleValue());
            }
            case "scored" -> rewardCalls("run", ((Number) e.data().get("samples")).intValue(), ((Number) e.data().get("errors")).intValue());
            default -> {}
        }
    }

    /** Samples a reward was called on and how many it could not score; {@code source} is {@code run} or {@code trial}. */
    public void rewardCalls(String source, int samples, int errors) {
        Counter.builder("autodidact.reward.samples").tag("source", source).description("Samples scored by a reward").register(registry)
                .increment(samples);
        Counter.builder("autodidact.reward.errors").tag("source", source).description("Samples a reward failed to score")
                .register(registry).increment(errors);
    }

    /** The Prometheus text exposition format. */
    public String scrape() {
        refreshWorkers();
        return registry.scrape();
    }

    /**
     * Brings the per-worker meters up to date with the remote-engine runs' workers: counters grow by what each
     * execution's workers did since the last scrape (so they add up across runs), gauges show the newest status.
     */
    private synchronized void refreshWorkers() {
        for (var execution : runs.workers().entrySet()) {
            Map<String, WorkerStatus> before = counted.computeIfAbsent(execution.getKey(), k -> new HashMap<>());
            for (WorkerStatus w : execution.getValue()) {
                WorkerStatus b = before.put(w.address(), w);
                add("autodidact.worker.samples", "Samples a worker delivered", null, w, w.samples() - (b == null ? 0 : b.samples()));
                add("autodidact.worker.tokens", "Completion tokens a worker generated", null, w, w.tokens() - (b == null ? 0 : b.tokens()));
                add("autodidact.worker.failures", "Failed requests on a worker", null, w, w.failures() - (b == null ? 0 : b.failures()));
                add("autodidact.worker.redispatched.samples", "Samples a worker did not finish, re-dispatched to another", null, w,
                        w.redispatchedSamples() - (b == null ? 0 : b.redispatchedSamples()));
                add("autodidact.worker.rejoins", "Times a worker came back after being stalled or dead", null, w, w.rejoins() - (b == null ? 0 : b.rejoins()));
                add("autodidact.worker.weight.syncs", "Weight syncs streamed to a worker", null, w, w.weightSyncs() - (b == null ? 0 : b.weightSyncs()));
                add("autodidact.worker.weight.sync", "Tensor bytes streamed to a worker by weight syncs", "bytes", w,
                        w.weightSyncBytes() - (b == null ? 0 : b.weightSyncBytes()));
                add("autodidact.worker.weight.sync.duration", "Time spent streaming weights to a worker", "seconds", w,
                        w.weightSyncSeconds() - (b == null ? 0 : b.weightSyncSeconds()));
                if (latest.put(w.address(), w) == null) registerGauges(w.address());
            }
        }
    }

    private void add(String name, String description, String unit, WorkerStatus w, double delta) {
        if (delta <= 0) return;
        Counter.builder(name).tag("worker", w.address()).description(description).baseUnit(unit).register(registry).increment(delta);
    }

    private void registerGauges(String address) {
        for (String state : WorkerStatus.STATES)
            Gauge.builder("autodidact.worker.state", latest, l -> l.get(address).state().equals(state) ? 1 : 0).tag("worker", address)
                    .tag("state", state).description("1 for a worker's current state (connecting, up, stalled, dead), else 0").register(registry);
        Gauge.builder("autodidact.worker.tokens.per.second", latest, l -> l.get(address).tokensPerSecond()).tag("worker", address)
                .description("A worker's completion tokens per second of time spent generating").register(registry);
    }

    private static double residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024.0;
        } catch (IOException | NumberFormatException e) {
            return Double.NaN; // not Linux: the gauge reads NaN rather than lying
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        unobserve.run();
        gc.close();
        registry.close();
    }
}
