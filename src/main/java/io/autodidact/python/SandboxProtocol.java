package io.autodidact.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The line protocol between the service and a sandbox child process (one JSON object per line, UTF-8):
 * <ol>
 *   <li>parent: the setup, {@code {"modules": [...], "module", "function", "timeout_ms", "max_output_bytes"}};
 *       child: {@code {"ready": true}} or {@code {"load_error": "..."}} (then it exits);
 *   <li>then, repeatedly, parent: a request of {@code autodidact/host.py}; child: its response, or
 *       {@code {"failure": "TIMEOUT"|"CRASH", "message": "..."}} when the call was stopped inside the child.
 *       A child that scores a request's samples one call each (see {@link SandboxMain}) may send
 *       {@code {"progress": true}} lines before the response, so that a long batch is not mistaken for a hung one.
 * </ol>
 * The parent kills a child that stays silent past the time limit plus a grace period, or that exits.
 */
final class SandboxProtocol {
    static final ObjectMapper JSON = new ObjectMapper();

    private SandboxProtocol() {}

    static String setup(PythonProgram program, SandboxLimits limits) {
        List<Map<String, Object>> modules = new ArrayList<>();
        for (ModuleSource m : program.modules())
            modules.add(Map.of("name", m.name(), "file", m.fileName(), "source", m.source(), "package", m.isPackage()));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("modules", modules);
        doc.put("module", program.module());
        doc.put("function", program.function());
        doc.put("timeout_ms", limits.timeout().toMillis());
        doc.put("max_output_bytes", limits.maxOutputBytes());
        doc.put("heap_mb", limits.processHeapMb());
        return write(doc);
    }

    record Setup(PythonProgram program, SandboxLimits limits) {}

    static Setup readSetup(String line) {
        JsonNode doc = read(line);
        List<ModuleSource> modules = new ArrayList<>();
        for (JsonNode m : doc.get("modules"))
            modules.add(new ModuleSource(m.get("name").asText(), m.get("file").asText(), m.get("source").asText(), m.get("package").asBoolean()));
        PythonProgram program = new PythonProgram(modules, doc.get("module").asText(), doc.get("function").asText());
        SandboxLimits limits = new SandboxLimits(Duration.ofMillis(doc.get("timeout_ms").asLong()), doc.get("max_output_bytes").asLong(),
                doc.get("heap_mb").asInt());
        return new Setup(program, limits);
    }

    static final String PROGRESS = "{\"progress\":true}";
    /** How long a child scoring samples one by one may go without sending a line: well inside the parent's grace. */
    static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

    /**
     * Scores a request's samples one {@code call} each and joins the answers into one response, in order. A sample
     * whose call was stopped (time limit, a refusal the guest cannot catch) gets a failed result with the reason;
     * the others are unaffected. {@code progress} runs whenever a second has passed since the last line sent.
     */
    static String eachSample(String request, Function<String, String> call, Runnable progress) {
        JsonNode samples = read(request).get("samples");
        if (samples == null || !samples.isArray()) throw new PythonCallException(PythonCallException.Kind.CRASH, "request without a samples array");
        ObjectNode response = JSON.createObjectNode();
        ArrayNode results = response.putArray("results");
        long lastLine = System.nanoTime();
        for (JsonNode sample : samples) {
            ObjectNode one = JSON.createObjectNode();
            one.putArray("samples").add(sample);
            JsonNode result;
            try {
                JsonNode answer = read(call.apply(one.toString())).get("results");
                if (answer == null || answer.size() != 1)
                    throw new PythonCallException(PythonCallException.Kind.CRASH, "the Python host answered a one-sample request with "
                            + (answer == null ? "no" : answer.size()) + " results");
                result = answer.get(0);
            } catch (PythonCallException e) {
                ObjectNode failed = JSON.createObjectNode();
                failed.putNull("score");
                failed.putNull("correct");
                failed.putArray("steps");
                failed.put("message", "");
                failed.put("error", e.getMessage());
                result = failed;
            }
            results.add(result);
            if (System.nanoTime() - lastLine > PROGRESS_EVERY_NANOS) {
                progress.run();
                lastLine = System.nanoTime();
            }
        }
        return response.toString();
    }

    static String failure(PythonCallException e) {
        Map<String, Object> doc = new LinkedHashMap<>(); // "failure" first: the parent tells failures by prefix
        doc.put("failure", e.kind().name());
        doc.put("message", e.getMessage());
        return write(doc);
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a sandbox message: " + e.getOriginalMessage(), e);
        }
    }

    static JsonNode read(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new PythonCallException(PythonCallException.Kind.CRASH, "garbled sandbox message: " + e.getOriginalMessage());
        }
    }
}
