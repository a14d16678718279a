package io.autodidact.api;

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

/**
 * The service's Prometheus metrics: runs by status and the queue's length, stage durations, tokens generated and
 * trained (counters: rates follow with {@code rate()}), reward calls and errors (from runs and from reward trials),
 * JVM memory, GC and threads, and the process's resident memory, which also counts libtorch's and GraalPy's native
 * memory that the JVM gauges do not see.
 */
public final class ServiceMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Runnable unobserve;

    public ServiceMetrics(RunService runs) {
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
        return registry.scrape();
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
