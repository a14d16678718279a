package io.autodidact.flight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.loop.UploadedDatasets;
import io.autodidact.store.JournalEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;

/**
 * The data plane's actions. Each takes a JSON body (or, for one argument, the bare value) and answers one JSON
 * document: {@code list-runs}, {@code run-status} ({@code {"run_id": ...}}) and {@code delete-dataset}
 * ({@code {"name": ...}}).
 */
final class DataPlaneActions {

    static final List<ActionType> TYPES = List.of(
            new ActionType("list-runs", "Runs in the runs folder: {\"runs\": [{run_id, ended, iterations, parts, last}]}"),
            new ActionType("run-status", "One run's state; body {\"run_id\": \"...\"}: ended, iterations, parts, last journal entry, summary"),
            new ActionType("delete-dataset", "Deletes an uploaded dataset; body {\"name\": \"...\"}"));

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunCatalog runs;
    private final DatasetStore datasets;

    DataPlaneActions(RunCatalog runs, DatasetStore datasets) {
        this.runs = runs;
        this.datasets = datasets;
    }

    /** Runs action {@code type} with {@code body}; the answer as UTF-8 JSON. */
    byte[] run(String type, byte[] body) throws IOException {
        Object answer = switch (type) {
            case "list-runs" -> listRuns();
            case "run-status" -> status(runs.run(argument(body, "run_id", type)));
            case "delete-dataset" -> deleteDataset(argument(body, "name", type));
            default -> throw CallStatus.NOT_FOUND.withDescription("no action '" + type + "'; actions are list-runs, run-status,"
                    + " delete-dataset (ListActions describes them)").toRuntimeException();
        };
        return JSON.writeValueAsBytes(answer);
    }

    private Map<String, Object> listRuns() throws IOException {
        List<Object> list = new ArrayList<>();
        for (String id : runs.runIds()) {
            Map<String, Object> s = status(runs.run(id));
            s.remove("summary");
            list.add(s);
        }
        return Map.of("runs", list);
    }

    private Map<String, Object> status(RunFolder run) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_id", run.runId());
        s.put("ended", run.ended());
        s.put("iterations", run.iterations());
        s.put("parts", run.parts(OptionalInt.empty()).size());
        s.put("metrics_iterations", run.metrics().size());
        run.lastJournalEntry().ifPresent(e -> s.put("last", entry(e)));
        s.put("summary", run.summary());
        return s;
    }

    private Map<String, Object> deleteDataset(String name) {
        if (!UploadedDatasets.isValidName(name))
            throw CallStatus.INVALID_ARGUMENT.withDescription("'" + name + "' is not a dataset name").toRuntimeException();
        if (!datasets.delete(name))
            throw CallStatus.NOT_FOUND.withDescription("no dataset '" + name + "' to delete; ListFlights lists them").toRuntimeException();
        return Map.of("deleted", name);
    }

    private static Map<String, Object> entry(JournalEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iteration", e.iteration());
        m.put("stage", e.stage());
        if (!e.isWholeStage()) m.put("part", e.part());
        m.put("timestamp", e.timestamp().toString());
        return m;
    }

    // {"key": "value"} or the bare value, so `client.do_action(("run-status", b"my-run"))` works too.
    private static String argument(byte[] body, String key, String action) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.startsWith("{")) {
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (IOException e) {
                throw CallStatus.INVALID_ARGUMENT.withDescription(action + ": body is not valid JSON: " + e.getMessage()).toRuntimeException();
            }
            JsonNode v = node.get(key);
            if (v == null || !v.isTextual())
                throw CallStatus.INVALID_ARGUMENT.withDescription(action + ": body needs {\"" + key + "\": \"...\"}").toRuntimeException();
            text = v.asText();
        }
        if (text.isEmpty())
            throw CallStatus.INVALID_ARGUMENT.withDescription(action + ": body needs {\"" + key + "\": \"...\"}").toRuntimeException();
        return text;
    }
}
