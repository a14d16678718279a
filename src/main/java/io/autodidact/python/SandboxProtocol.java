package io.autodidact.python;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The line protocol between the service and a sandbox child process (one JSON object per line, UTF-8):
 * <ol>
 *   <li>parent: the setup, {@code {"modules": [...], "module", "function", "timeout_ms", "max_output_bytes"}};
 *       child: {@code {"ready": true}} or {@code {"load_error": "..."}} (then it exits);
 *   <li>then, repeatedly, parent: a request of {@code autodidact/host.py}; child: its response, or
 *       {@code {"failure": "TIMEOUT"|"CRASH", "message": "..."}} when the call was stopped inside the child.
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
