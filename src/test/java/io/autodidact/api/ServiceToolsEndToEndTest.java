package io.autodidact.api;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.service.RunService;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reward trials, the OpenAPI document and UI, and Prometheus metrics, against the real server. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServiceToolsEndToEndTest {
    static final String OPERATOR = "op-secret", VIEWER = "view-secret";
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path root;
    RunService service;
    ApiServer server;

    void start(ApiSettings settings) {
        service = new RunService(root, 1, spec -> new DjlEngineFactory(EngineOptions.defaults().withThreads(1)));
        server = ApiServer.start(0, service, new TokenAuth(Map.of(OPERATOR, Role.OPERATOR, VIEWER, Role.VIEWER), Optional.empty()), settings);
    }

    @AfterEach
    void tearDown() {
        if (server != null) server.close();
        if (service != null) service.close();
    }

    HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        var b = HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(120));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return JSON.readValue(r.body(), Map.class);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> results(HttpResponse<String> r) throws Exception {
        return (List<Map<String, Object>>) json(r).get("results");
    }

    static String scoreRequest(String reward, String... samples) {
        return "{\"reward\": " + reward + ", \"samples\": [" + String.join(",", samples) + "]}";
    }

    static final String RIGHT = "{\"id\": \"a\", \"prompt\": \"2+3?\", \"completion\": \"work\\nAnswer: 5.0\", \"answer\": \"5\"}";
    static final String WRONG = "{\"id\": \"b\", \"prompt\": \"2+2?\", \"completion\": \"Answer: 5\", \"answer\": \"4\", \"metadata\": {\"k\": 2}}";

    @Test
    void scoresABatchWithAVerifierAndWithInlinePythonInAndOutOfTheSandbox() throws Exception {
        start(ApiSettings.defaults());
        var verifier = call("POST", "/api/rewards/score", OPERATOR,
                scoreRequest("{\"verifier\": \"numeric\", \"options\": {\"marker\": \"Answer:\"}}", RIGHT, WRONG));
        assertEquals(200, verifier.statusCode(), verifier.body());
        var rows = results(verifier);
        assertEquals(List.of("a", "b"), rows.stream().map(r -> r.get("id")).toList());
        assertEquals(List.of(true, false), rows.stream().map(r -> r.get("correct")).toList(), "5.0 matches 5 numerically; 5 is not 4");
        assertEquals(1, ((Map<?, ?>) json(verifier).get("summary")).get("correct"));

        // The sample's metadata reaches Python; "untrusted": false keeps it in this JVM's sandboxed contexts.
        String source = "def reward(sample):\\n    return {'score': len(sample['completion']) / 100, 'correct': sample['metadata'].get('k') == '2'}\\n";
        var inline = call("POST", "/api/rewards/score", OPERATOR, scoreRequest("{\"source\": \"" + source + "\", \"untrusted\": false}", RIGHT, WRONG));
        assertEquals(200, inline.statusCode(), inline.body());
        rows = results(inline);
        assertEquals(0.16, ((Number) rows.get(0).get("score")).doubleValue(), 1e-9, "len(\"work\\nAnswer: 5.0\") / 100");
        assertEquals(List.of(false, true), rows.stream().map(r -> r.get("correct")).toList());
        assertTrue(json(inline).get("reward").toString().startsWith("python:<inline>"), inline.body());

        // By default the code is untrusted: it runs in a sandbox child process, where opening a file is refused per sample.
        String escape = "def reward(sample):\\n    return float(len(open('/etc/hostname').read()))\\n";
        var sandboxed = call("POST", "/api/rewards/score", OPERATOR, scoreRequest("{\"source\": \"" + escape + "\"}", RIGHT));
        assertEquals(200, sandboxed.statusCode(), sandboxed.body());
        var row = results(sandboxed).getFirst();
        assertNull(row.get("score"), sandboxed.body());
        assertFalse(row.get("error").toString().isBlank(), sandboxed.body());

        var metrics = call("GET", "/metrics", null, null).body();
        assertEquals(5.0, sample(metrics, "autodidact_reward_samples_total{source=\"trial\"}"), "2 + 2 + 1 samples tried");
        assertEquals(1.0, sample(metrics, "autodidact_reward_errors_total{source=\"trial\"}"));
    }

    @Test
    void badRewardRequestsGetAProblemNamingTheField() throws Exception {
        start(new ApiSettings(EnumSet.allOf(PublicEndpoint.class), 3));
        assertEquals(403, call("POST", "/api/rewards/score", VIEWER, scoreRequest("{\"verifier\": \"exact\"}", RIGHT)).statusCode(),
                "scoring runs code: operators only");
        assertEquals(401, call("POST", "/api/rewards/score", null, scoreRequest("{\"verifier\": \"exact\"}", RIGHT)).statusCode());
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"reward\": ", "body");
        cases.put(scoreRequest("{\"verifier\": \"exakt\"}", RIGHT), "reward.verifier");
        cases.put(scoreRequest("{\"verifier\": \"exact\", \"source\": \"x\"}", RIGHT), "reward");
        cases.put(scoreRequest("{\"verifier\": \"regex\", \"options\": {\"patern\": \"(x)\"}}", RIGHT), "reward.options");
        cases.put(scoreRequest("{\"verifier\": \"exact\", \"timeout_ms\": \"soon\"}", RIGHT), "reward.timeout_ms");
        cases.put(scoreRequest("{\"source\": \"def reward(sample) return 1\", \"untrusted\": false}", RIGHT), "reward.source");
        cases.put(scoreRequest("{\"verifier\": \"exact\"}"), "samples");
        cases.put(scoreRequest("{\"verifier\": \"exact\"}", RIGHT, RIGHT, RIGHT, RIGHT), "samples");
        cases.put(scoreRequest("{\"verifier\": \"exact\"}", RIGHT, "{\"prompt\": \"p\"}"), "samples[1]");
        cases.put("{\"reward\": {\"verifier\": \"exact\"}, \"samples\": [" + RIGHT + "], \"extra\": 1}", "extra");
        for (var c : cases.entrySet()) {
            var r = call("POST", "/api/rewards/score", OPERATOR, c.getKey());
            assertEquals(400, r.statusCode(), c.getKey() + " -> " + r.body());
            assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
            assertEquals(c.getValue(), json(r).get("field"), c.getKey() + " -> " + r.body());
        }
        assertTrue(json(call("POST", "/api/rewards/score", OPERATOR, scoreRequest("{\"verifier\": \"exact\"}", RIGHT, RIGHT, RIGHT, RIGHT)))
                .get("detail").toString().contains("at most 3"));
    }

    @Test
    void servesTheGeneratedOpenApiDocumentAndSwaggerUiFromTheJar() throws Exception {
        start(ApiSettings.defaults());
        var doc = call("GET", "/openapi.yml", null, null);
        assertEquals(200, doc.statusCode());
        for (String expected : List.of("/api/runs/{id}:", "/api/runs/{id}/events:", "/api/rewards/score:", "/api/recipes:", "/metrics:",
                "scheme: bearer", "name: status", "in: query"))
            assertTrue(doc.body().contains(expected), "the document lacks " + expected);
        assertFalse(doc.body().contains("\n  /:\n"), "the dashboard page is not part of the API");
        var page = call("GET", "/docs", null, null);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("/docs/assets/swagger-ui-bundle.js") && page.body().contains("/openapi.yml"));
        assertFalse(page.body().contains("https://"), "nothing is fetched from elsewhere");
        var bundle = call("GET", "/docs/assets/swagger-ui-bundle.js", null, null);
        assertEquals(200, bundle.statusCode());
        assertTrue(bundle.body().length() > 100_000 && bundle.body().contains("SwaggerUIBundle"));
        assertEquals(404, call("GET", "/docs/assets/..%2Fpom.properties", null, null).statusCode());
    }

    @Test
    void closedDocsAndMetricsNeedAViewerToken() throws Exception {
        start(new ApiSettings(EnumSet.of(PublicEndpoint.HEALTH), 10));
        for (String path : List.of("/openapi.yml", "/docs", "/metrics")) {
            assertEquals(401, call("GET", path, null, null).statusCode(), path);
            assertEquals(200, call("GET", path, VIEWER, null).statusCode(), path);
        }
        assertEquals(200, call("GET", "/health", null, null).statusCode());
    }

    @Test
    void prometheusMetricsCountRunsStagesTokensAndRewardCalls() throws Exception {
        start(ApiSettings.defaults());
        var before = call("GET", "/metrics", null, null);
        assertEquals(200, before.statusCode());
        assertTrue(before.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertEquals(0.0, sample(before.body(), "autodidact_runs{status=\"completed\"}"));
        var submitted = HttpRequest.newBuilder(server.uri().resolve("/api/runs")).header("Authorization", "Bearer " + OPERATOR)
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(io.autodidact.testing.TinyRun.CONFIG)).build();
        String id = (String) JSON.readValue(http.send(submitted, HttpResponse.BodyHandlers.ofString()).body(), Map.class).get("id");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!"completed".equals(json(call("GET", "/api/runs/" + id, VIEWER, null)).get("status"))) {
            assertTrue(System.nanoTime() < deadline, "the run did not complete");
            Thread.sleep(100);
        }
        String m = call("GET", "/metrics", null, null).body();
        assertEquals(1.0, sample(m, "autodidact_runs{status=\"completed\"}"));
        assertEquals(0.0, sample(m, "autodidact_queue_length"));
        assertEquals(2.0, sample(m, "autodidact_stage_duration_seconds_count{stage=\"generate\"}"), "two iterations generated");
        assertEquals(1.0, sample(m, "autodidact_stage_duration_seconds_count{stage=\"bootstrap\"}"));
        assertTrue(sample(m, "autodidact_tokens_generated_total{stage=\"generate\"}") > 0);
        assertTrue(sample(m, "autodidact_tokens_trained_total{stage=\"train\"}") > 0);
        assertTrue(sample(m, "autodidact_tokens_trained_total{stage=\"bootstrap\"}") >= 300 * 32, "300 bootstrap steps of 32 sequences");
        assertEquals(2 * 24 * 3.0, sample(m, "autodidact_reward_samples_total{source=\"run\"}"), "2 iterations x 24 problems x 3 samples");
        assertEquals(0.0, sample(m, "autodidact_reward_errors_total{source=\"run\"}"));
        assertTrue(sample(m, "process_resident_memory_bytes") > 50e6, "resident memory counts libtorch");
        assertTrue(m.contains("jvm_memory_used_bytes{"), "JVM memory gauges");
    }

    /** The value of one exposition line, e.g. {@code name{label="x"}}, or NaN when absent. */
    static double sample(String exposition, String series) {
        String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
        String labels = series.contains("{") ? series.substring(series.indexOf('{') + 1, series.length() - 1) : "";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(exposition);
        while (m.find())
            if (labels.isEmpty() || (m.group(1) != null && m.group(1).contains(labels))) return Double.parseDouble(m.group(2));
        return Double.NaN;
    }
}
