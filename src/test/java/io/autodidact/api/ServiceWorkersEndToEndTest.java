package io.autodidact.api;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.run.EngineFactories;
import io.autodidact.service.RunService;
import io.autodidact.worker.WorkerServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run on two loopback workers through the real service: one worker dies and comes back mid-run, and the run's
 * status, its event stream and the Prometheus scrape all say so, per worker.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServiceWorkersEndToEndTest {
    static final String TOKEN = "api-secret", WORKER_TOKEN = "worker-secret";
    static final ObjectMapper JSON = new ObjectMapper();
    static final EngineOptions OPTIONS = EngineOptions.defaults().withThreads(1).withMaxBatchRows(64);
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @SuppressWarnings("unchecked")
    void aWorkerThatDiesAndRejoinsShowsInTheRunStatusEventsAndMetrics(@TempDir Path root) throws Exception {
        WorkerServer a = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(WORKER_TOKEN), OPTIONS));
        WorkerServer b = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(WORKER_TOKEN), OPTIONS));
        WorkerServer b2 = null;
        RunService service = new RunService(root, 1, spec -> EngineFactories.forRun(spec, 1, Map.of(WorkerServer.TOKEN_ENV, WORKER_TOKEN)));
        ApiServer server = ApiServer.start(0, service, new TokenAuth(Map.of(TOKEN, Role.OPERATOR), Optional.empty()));
        try {
            String config = io.autodidact.testing.TinyRun.CONFIG.replace("engine: {threads: 1, max_batch_rows: 64}",
                    "engine: {type: remote, workers: [" + a.address() + ", " + b.address() + "], chunk_rows: 8, heartbeat_s: 0.1,"
                            + " worker_deadline_s: 2, wait_for_workers_s: 60}");
            var submitted = http.send(HttpRequest.newBuilder(server.uri().resolve("/api/runs")).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(config)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, submitted.statusCode(), submitted.body());
            String id = (String) JSON.readValue(submitted.body(), Map.class).get("id");

            List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> follow(server, id, events));

            Map<String, Object> up = await(server, id, run -> workers(run).size() == 2 && workers(run).stream().allMatch(w -> w.get("state").equals("up")));
            Map<String, Object> trainer = workers(up).stream().filter(w -> w.get("address").equals(a.address())).findFirst().orElseThrow();
            assertEquals("trainer+generator", trainer.get("role"));

            // The stream must be following before b dies, or its dead event goes out before anyone listens (under load the
            // stream's request can take longer than both workers take to come up).
            long subscribed = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (events.stream().noneMatch(e -> e.get("event").equals("snapshot"))) {
                assertTrue(System.nanoTime() < subscribed, "the event stream never sent its snapshot: " + events);
                Thread.sleep(20);
            }
            int port = b.port();
            String bAddress = b.address(), aAddress = a.address();
            b.close();
            Map<String, Object> dead = worker(await(server, id, run -> state(run, bAddress).equals("dead")), bAddress);
            assertEquals("generator", dead.get("role"));
            assertFalse(((String) dead.get("last_error")).isEmpty(), "why it is down: " + dead);

            b2 = WorkerServer.start(new WorkerServer.Config("127.0.0.1", port, Set.of(WORKER_TOKEN), OPTIONS));
            Map<String, Object> back = worker(await(server, id, run -> state(run, bAddress).equals("up")), bAddress);
            assertEquals(1, ((Number) back.get("rejoins")).intValue(), back.toString());

            Map<String, Object> done = await(server, id, run -> !List.of("queued", "running").contains(run.get("status")));
            assertEquals("completed", done.get("status"), done.toString());
            stream.get(60, TimeUnit.SECONDS);

            // GET /api/runs/{id}: both workers with their throughput; only a generated, and b only after it came back.
            Map<String, Object> aNow = worker(done, aAddress);
            assertTrue(((Number) aNow.get("samples")).longValue() > 0 && ((Number) aNow.get("tokens_per_s")).doubleValue() > 0, aNow.toString());
            long samples = workers(done).stream().mapToLong(w -> ((Number) w.get("samples")).longValue()).sum();
            assertTrue(samples >= 2 * 24 * 3, "at least the run's rollouts (evaluation samples too): " + workers(done));

            // SSE: a worker event per change of b, in order, and the per-stage workers snapshots.
            List<String> bChanges = events.stream().filter(e -> e.get("event").equals("worker") && bAddress.equals(e.get("address")))
                    .map(e -> e.get("change") + "/" + e.get("state")).toList();
            assertTrue(bChanges.size() >= 3, "b's state changes, as streamed: " + bChanges);
            assertEquals(List.of("dead/dead", "restarted/dead", "rejoined/up"), bChanges.subList(bChanges.size() - 3, bChanges.size()),
                    "b's state changes, as streamed: " + bChanges);
            assertTrue(events.stream().anyMatch(e -> e.get("event").equals("workers") && e.get("stage").equals("generate")
                    && ((List<Map<String, Object>>) e.get("workers")).size() == 2), "a workers snapshot after each stage");

            // Prometheus: per-worker counters and gauges, labelled by worker.
            String metrics = http.send(HttpRequest.newBuilder(server.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(value(metrics, "autodidact_worker_samples_total{worker=\"" + aAddress + "\"}") > 0, metrics);
            assertEquals(1.0, value(metrics, "autodidact_worker_rejoins_total{worker=\"" + bAddress + "\"}"), metrics);
            assertEquals(1.0, value(metrics, "autodidact_worker_state{state=\"up\",worker=\"" + bAddress + "\"}"), metrics);
            assertEquals(0.0, value(metrics, "autodidact_worker_state{state=\"dead\",worker=\"" + bAddress + "\"}"), metrics);
            assertTrue(value(metrics, "autodidact_worker_tokens_per_second{worker=\"" + aAddress + "\"}") > 0, metrics);
            double allSamples = value(metrics, "autodidact_worker_samples_total{worker=\"" + aAddress + "\"}")
                    + (metrics.contains("autodidact_worker_samples_total{worker=\"" + bAddress + "\"}")
                    ? value(metrics, "autodidact_worker_samples_total{worker=\"" + bAddress + "\"}") : 0);
            assertEquals(samples, allSamples, 0.0, "a second scrape adds nothing twice");
        } finally {
            server.close();
            service.close();
            a.close();
            if (b2 != null) b2.close();
        }
    }

    private void follow(ApiServer server, String id, List<Map<String, Object>> events) {
        var request = HttpRequest.newBuilder(server.uri().resolve("/api/runs/" + id + "/events")).header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofMinutes(4)).build();
        String[] name = {""};
        try {
            http.send(request, HttpResponse.BodyHandlers.ofLines()).body().forEach(line -> {
                if (line.startsWith("event:")) name[0] = line.substring(6).trim();
                else if (line.startsWith("data:")) {
                    try {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> data = new java.util.LinkedHashMap<>(JSON.readValue(line.substring(5).trim(), Map.class));
                        data.put("event", name[0]);
                        events.add(data);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> await(ApiServer server, String id, Predicate<Map<String, Object>> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        Map<String, Object> run = Map.of();
        while (System.nanoTime() < deadline) {
            var r = http.send(HttpRequest.newBuilder(server.uri().resolve("/api/runs/" + id)).header("Authorization", "Bearer " + TOKEN).build(),
                    HttpResponse.BodyHandlers.ofString());
            run = JSON.readValue(r.body(), Map.class);
            if (condition.test(run)) return run;
            Thread.sleep(20);
        }
        throw new AssertionError("run " + id + " never reached the expected state; last: " + run);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> workers(Map<String, Object> run) {
        return (List<Map<String, Object>>) run.getOrDefault("workers", List.of());
    }

    private static Map<String, Object> worker(Map<String, Object> run, String address) {
        return workers(run).stream().filter(w -> w.get("address").equals(address)).findFirst()
                .orElseThrow(() -> new AssertionError("no worker " + address + " in " + run));
    }

    private static String state(Map<String, Object> run, String address) {
        return workers(run).stream().filter(w -> w.get("address").equals(address)).map(w -> (String) w.get("state")).findFirst().orElse("");
    }

    private static double value(String scrape, String series) {
        for (String line : scrape.split("\n"))
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1).trim());
        throw new AssertionError("no series " + series);
    }
}
