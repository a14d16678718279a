package io.autodidact.bench;

import io.autodidact.api.ApiServer;
import io.autodidact.api.Role;
import io.autodidact.api.TokenAuth;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.service.RunService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code autodidact bench service}: the real service (run queue and REST server) with a tiny run executing, and
 * {@code clients} concurrent clients polling {@code GET /api/runs/{id}} for {@code duration}: requests, errors and
 * latency percentiles. Not a timed test: its figures depend on the machine.
 */
public final class ServiceBench {
    /** A run small enough to keep the engine busy while the clients poll, on any machine. */
    static final String TINY_RUN = """
            name: bench-service
            iterations: 50
            task: {name: addition, options: {width: 3}, problems_per_iteration: 24, max_difficulty: 3}
            model: {hidden: 48, layers: 2, heads: 4, kv_heads: 2, context: 32}
            bootstrap: {examples: 400, steps: 300, batch_size: 32, lr: 0.005, warmup_steps: 20}
            recipe: {name: star, samples: 3, train_steps: 6, batch_size: 16, warmup_steps: 2}
            generate: {part_problems: 10, max_new_tokens: 24}
            eval: {per_difficulty: 6, pass_k: 2}
            engine: {threads: 1}
            """;

    public record Options(int clients, Duration duration, Path work) {
        public Options {
            if (clients < 1) throw new IllegalArgumentException("--clients must be >= 1, got " + clients);
            if (duration.toMillis() < 100) throw new IllegalArgumentException("--duration must be at least 0.1 s, got " + duration);
            Objects.requireNonNull(work, "work");
        }
    }

    private ServiceBench() {}

    public static BenchTable run(Options o, Consumer<String> log) throws Exception {
        String token = "bench-" + System.nanoTime();
        // A fresh runs root: the service would otherwise resume the run a previous bench left queued.
        if (java.nio.file.Files.exists(o.work()))
            try (var walk = java.nio.file.Files.walk(o.work())) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
            }
        try (RunService runs = new RunService(o.work().resolve("runs"), 1, spec -> new DjlEngineFactory(EngineOptions.defaults().withThreads(1)));
                ApiServer api = ApiServer.start(0, runs, new TokenAuth(Map.of(token, Role.OPERATOR), Optional.empty()))) {
            String id = (String) runs.submit(TINY_RUN).get("id");
            log.accept("service on " + api.uri() + ", run " + id + " submitted; " + o.clients() + " clients polling for "
                    + o.duration().toMillis() / 1000.0 + " s");
            URI status = api.uri().resolve("/api/runs/" + id);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            ConcurrentLinkedQueue<long[]> perClient = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();
            AtomicLong errors = new AtomicLong();
            CountDownLatch done = new CountDownLatch(o.clients());
            long start = System.nanoTime(), end = start + o.duration().toNanos();
            for (int c = 0; c < o.clients(); c++) {
                Thread.ofVirtual().start(() -> {
                    long[] lat = new long[1024];
                    int n = 0;
                    HttpRequest request = HttpRequest.newBuilder(status).header("Authorization", "Bearer " + token)
                            .timeout(Duration.ofSeconds(30)).GET().build();
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() != 200 || !r.body().contains("\"status\"")) {
                                errors.incrementAndGet();
                                if (firstErrors.size() < 5) firstErrors.add("HTTP " + r.statusCode() + ": " + r.body());
                                continue;
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            if (firstErrors.size() < 5) firstErrors.add(e.toString());
                            continue;
                        }
                        if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                        lat[n++] = System.nanoTime() - t0;
                    }
                    perClient.add(Arrays.copyOf(lat, n));
                    done.countDown();
                });
            }
            done.await();
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] all = perClient.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            long requests = all.length + errors.get();
            double p50 = percentile(all, 0.50), p99 = percentile(all, 0.99);
            String runStatus = runs.get(id).map(r -> r.get("status") + " at iteration " + r.get("iteration")).orElse("gone");
            firstErrors.forEach(e -> log.accept("error: " + e));
            return new BenchTable("service", "bench service: " + o.clients() + " clients polling GET /api/runs/{id} for "
                    + String.format("%.1f s", seconds) + " while a tiny run executes", "service", "-")
                    .row("requests", "", (double) requests, null, BenchTable.Better.HIGHER)
                    .row("errors", "", (double) errors.get(), null, BenchTable.Better.LOWER)
                    .row("latency p50", "ms", p50, null, BenchTable.Better.LOWER)
                    .row("latency p99", "ms", p99, null, BenchTable.Better.LOWER)
                    .row("throughput", "requests/s", requests / seconds, null, BenchTable.Better.HIGHER)
                    .metric("requests", requests)
                    .metric("errors", errors.get())
                    .metric("p50_ms", p50)
                    .metric("p99_ms", p99)
                    .metric("throughput_rps", requests / seconds)
                    .metric("clients", o.clients())
                    .metric("seconds", seconds)
                    .note("run", runStatus)
                    .note("cores", Runtime.getRuntime().availableProcessors());
        }
    }

    private static double percentile(long[] sortedNanos, double q) {
        if (sortedNanos.length == 0) return Double.NaN;
        return sortedNanos[(int) Math.min(sortedNanos.length - 1, Math.ceil(q * sortedNanos.length) - 1)] / 1e6;
    }
}
