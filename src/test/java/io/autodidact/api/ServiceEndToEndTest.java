package io.autodidact.api;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.service.RunService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The service against a real HTTP server, real runs and real restarts. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServiceEndToEndTest {
    static final String OPERATOR = "op-secret", VIEWER = "view-secret";
    static final String TINY = io.autodidact.testing.TinyRun.CONFIG;
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path root;
    RunService service;
    ApiServer server;

    void start() {
        service = new RunService(root, 1, spec -> new DjlEngineFactory(EngineOptions.defaults().withThreads(1)));
        server = ApiServer.start(0, service, new TokenAuth(Map.of(OPERATOR, Role.OPERATOR, VIEWER, Role.VIEWER), Optional.empty()));
    }

    void stop() {
        if (server != null) server.close();
        if (service != null) service.close();
        server = null;
        service = null;
    }

    @AfterEach
    void tearDown() {
        stop();
    }

    HttpResponse<String> call(String method, String path, String token, String body, String contentType) throws Exception {
        var b = HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (contentType != null) b.header("Content-Type", contentType);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return JSON.readValue(r.body(), Map.class);
    }

    String submit(String config) throws Exception {
        var r = call("POST", "/api/runs", OPERATOR, config, "application/yaml");
        assertEquals(201, r.statusCode(), r.body());
        return (String) json(r).get("id");
    }

    Map<String, Object> awaitStatus(String id, String... statuses) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline) {
            Map<String, Object> run = json(call("GET", "/api/runs/" + id, VIEWER, null, null));
            if (List.of(statuses).contains(run.get("status"))) return run;
            Thread.sleep(50);
        }
        throw new AssertionError("run " + id + " never reached " + List.of(statuses));
    }

    @Test
    void submitFollowEventsToCompletionAndReadMetrics() throws Exception {
        start();
        String id = submit(TINY);
        var request = HttpRequest.newBuilder(server.uri().resolve("/api/runs/" + id + "/events"))
                .header("Authorization", "Bearer " + VIEWER).timeout(Duration.ofMinutes(4)).build();
        List<String> events = new ArrayList<>();
        http.send(request, HttpResponse.BodyHandlers.ofLines()).body().forEach(line -> {
            if (line.startsWith("event:")) events.add(line.substring(6).trim());
        });
        assertEquals("snapshot", events.getFirst());
        assertTrue(events.contains("stage") && events.contains("progress"), events.toString());
        assertEquals(3, events.stream().filter("metrics"::equals).count(), "one metrics event per iteration, base included");
        assertEquals("status", events.getLast(), "the stream ends with the run's final status");

        Map<String, Object> run = json(call("GET", "/api/runs/" + id, VIEWER, null, null));
        assertEquals("completed", run.get("status"));
        assertEquals(1.0, ((Number) run.get("progress")).doubleValue());
        var metrics = JSON.readValue(call("GET", "/api/runs/" + id + "/metrics", VIEWER, null, null).body(), List.class);
        assertEquals(3, metrics.size());
        assertTrue(((Map<?, ?>) metrics.get(2)).containsKey("eval_pass1_by_difficulty"), "metrics use the snake_case keys of metrics.jsonl");
        var page = call("GET", "/", null, null, null);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>Autodidact</title>") && page.body().contains("/api/runs"), "the dashboard is served at /");
        var list = json(call("GET", "/api/runs?status=completed", VIEWER, null, null));
        assertEquals(1, list.get("total"));
    }

    @Test
    void cancelThenResumeFinishesTheRun() throws Exception {
        start();
        String id = submit(TINY);
        awaitStatus(id, "running");
        assertEquals(409, call("DELETE", "/api/runs/" + id, OPERATOR, null, null).statusCode(), "a running run is not deleted");
        var cancelled = call("POST", "/api/runs/" + id + "/cancel", OPERATOR, null, null);
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        awaitStatus(id, "cancelled");
        assertEquals(200, call("POST", "/api/runs/" + id + "/resume", OPERATOR, null, null).statusCode());
        awaitStatus(id, "completed");
        assertEquals(409, call("POST", "/api/runs/" + id + "/resume", OPERATOR, null, null).statusCode(), "a completed run is not resumed");
        assertEquals(204, call("DELETE", "/api/runs/" + id, OPERATOR, null, null).statusCode());
        assertEquals(404, call("GET", "/api/runs/" + id, VIEWER, null, null).statusCode());
    }

    @Test
    void aRestartedServerResumesTheRunItWasRunning() throws Exception {
        start();
        String id = submit(TINY);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (((Number) json(call("GET", "/api/runs/" + id, VIEWER, null, null)).get("iteration")).intValue() < 1) {
            assertTrue(System.nanoTime() < deadline, "run never reached iteration 1");
            Thread.sleep(20);
        }
        stop();
        start();
        Map<String, Object> run = awaitStatus(id, "completed", "failed");
        assertEquals("completed", run.get("status"), String.valueOf(run.get("error")));
        assertEquals(3, JSON.readValue(call("GET", "/api/runs/" + id + "/metrics", VIEWER, null, null).body(), List.class).size());
    }

    @Test
    void invalidRequestsGetTheRightStatusAndAProblemDocument() throws Exception {
        start();
        var noToken = call("GET", "/api/runs", null, null, null);
        assertEquals(401, noToken.statusCode());
        assertEquals("application/problem+json", noToken.headers().firstValue("Content-Type").orElse(""));
        assertEquals(401, call("GET", "/api/runs", "wrong", null, null).statusCode());
        var viewerSubmits = call("POST", "/api/runs", VIEWER, TINY, "application/yaml");
        assertEquals(403, viewerSubmits.statusCode());

        var badYaml = call("POST", "/api/runs", OPERATOR, "task: [unclosed", "application/yaml");
        assertEquals(400, badYaml.statusCode());
        assertTrue(json(badYaml).get("detail").toString().contains("not valid YAML"), badYaml.body());
        var badJson = call("POST", "/api/runs", OPERATOR, "{\"task\": ", "application/json");
        assertEquals(400, badJson.statusCode(), badJson.body());

        var unknownRecipe = call("POST", "/api/runs", OPERATOR, "task: {name: addition}\nrecipe: {name: stra}\n", "application/yaml");
        assertEquals(400, unknownRecipe.statusCode());
        assertEquals("recipe.name", json(unknownRecipe).get("field"));
        var wrongType = call("POST", "/api/runs", OPERATOR, "{\"task\": {\"name\": \"addition\"}, \"iterations\": \"three\"}", "application/json");
        assertEquals(400, wrongType.statusCode());
        assertEquals("iterations", json(wrongType).get("field"));
        var unknownKey = call("POST", "/api/runs", OPERATOR, "task: {name: addition}\nrecipe: {name: star, sampels: 3}\n", "application/yaml");
        assertEquals("recipe.sampels", json(unknownKey).get("field"));

        assertEquals(404, call("GET", "/api/runs/nope", VIEWER, null, null).statusCode());
        assertEquals(400, call("GET", "/api/runs?status=sleeping", VIEWER, null, null).statusCode());
        assertEquals(0, service.list(Optional.empty(), 0, 10).get("total"), "no invalid request created a run");
        var health = call("GET", "/health", null, null, null);
        assertEquals(200, health.statusCode(), "health is open");
        var recipes = call("GET", "/api/recipes", VIEWER, null, null);
        assertTrue(recipes.body().contains("max_per_problem") && recipes.body().contains("meaning"), recipes.body());
        assertTrue(recipes.body().contains("\"bstar\"") && recipes.body().contains("probe_problems")
                && recipes.body().contains("\"self-consistency\"") && recipes.body().contains("min_vote_share"), recipes.body());
        var tasks = call("GET", "/api/tasks", VIEWER, null, null);
        for (String name : io.autodidact.task.Tasks.NAMES)
            assertTrue(tasks.body().contains("\"" + name + "\""), name + " missing from " + tasks.body());
        assertTrue(tasks.body().contains("max_depth") && tasks.body().contains("\"labels\""), tasks.body());
    }
}
