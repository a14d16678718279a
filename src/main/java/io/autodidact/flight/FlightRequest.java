package io.autodidact.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.Ticket;

/**
 * A path with its options, as a ticket or descriptor carries it. Tickets are JSON,
 * {@code {"path": "runs/r1/rollouts", "follow": true, "idle_timeout_s": 60}}; a descriptor is a path
 * ({@code FlightDescriptor.path("datasets", "train")}, or one segment {@code "datasets/train"}) whose text may end
 * with a query, {@code datasets/train?replace=true}, or a command holding the same JSON as a ticket.
 *
 * @param path        what is asked for
 * @param follow      DoGet of rollouts: keep the stream open and deliver parts as the run writes them
 * @param replace     DoPut of a dataset: replace an existing dataset of that name instead of refusing
 * @param idleTimeout follow: end after this long without a new part (the server's default when empty)
 */
public record FlightRequest(FlightPath path, boolean follow, boolean replace, Optional<Duration> idleTimeout) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("path", "follow", "replace", "idle_timeout_s");

    public FlightRequest {
        Objects.requireNonNull(path, "path must not be null");
        Objects.requireNonNull(idleTimeout, "idleTimeout must not be null; use Optional.empty() for the server's default");
        if (follow && !(path instanceof FlightPath.Rollouts))
            throw invalid("follow applies only to runs/<run-id>/rollouts paths, not " + path.text());
        if (replace && !(path instanceof FlightPath.Dataset))
            throw invalid("replace applies only to datasets/<name> paths, not " + path.text());
        if (idleTimeout.isPresent() && !follow) throw invalid("idle_timeout_s applies only with follow: true");
        if (idleTimeout.isPresent() && (idleTimeout.get().isNegative() || idleTimeout.get().isZero()))
            throw invalid("idle_timeout_s must be > 0");
    }

    /** A plain request for {@code path}. */
    public static FlightRequest of(FlightPath path) {
        return new FlightRequest(path, false, false, Optional.empty());
    }

    /** Reads a ticket: JSON as above, or a bare path. */
    public static FlightRequest fromTicket(Ticket ticket) {
        return parse(new String(ticket.getBytes(), StandardCharsets.UTF_8), "ticket");
    }

    /** Reads a descriptor: path segments (with an optional query on the last) or a JSON command. */
    public static FlightRequest fromDescriptor(FlightDescriptor descriptor) {
        if (descriptor.isCommand()) return parse(new String(descriptor.getCommand(), StandardCharsets.UTF_8), "descriptor command");
        if (descriptor.getPath().isEmpty()) throw invalid("descriptor path is empty; use one of " + FlightPath.FORMS);
        return parse(String.join("/", descriptor.getPath()), "descriptor path");
    }

    /** This request as a JSON ticket. */
    public Ticket toTicket() {
        return new Ticket(toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** This request as a JSON document (the ticket and command form). */
    public String toJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("path", path.text());
        if (follow) doc.put("follow", true);
        if (replace) doc.put("replace", true);
        idleTimeout.ifPresent(d -> doc.put("idle_timeout_s", d.toMillis() / 1000.0));
        try {
            return JSON.writeValueAsString(doc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a ticket as JSON", e);
        }
    }

    private static FlightRequest parse(String text, String what) {
        String t = text.strip();
        if (t.startsWith("{")) return parseJson(t, what);
        int q = t.indexOf('?');
        if (q < 0) return of(FlightPath.parse(t));
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : t.substring(q + 1).split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            query.put(eq < 0 ? pair : pair.substring(0, eq), eq < 0 ? "true" : pair.substring(eq + 1));
        }
        for (String key : query.keySet())
            if (!KEYS.contains(key) || key.equals("path"))
                throw invalid(what + " query key '" + key + "' is unknown; use follow, replace or idle_timeout_s");
        return new FlightRequest(FlightPath.parse(t.substring(0, q)), bool(query.get("follow"), "follow"),
                bool(query.get("replace"), "replace"), seconds(query.get("idle_timeout_s")));
    }

    private static FlightRequest parseJson(String text, String what) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw invalid(what + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw invalid(what + " must be a JSON object like {\"path\": \"runs/<run-id>/rollouts\"}");
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) throw invalid(what + " key '" + key + "' is unknown; keys are " + KEYS);
        }
        JsonNode path = node.get("path");
        if (path == null || !path.isTextual()) throw invalid(what + " needs \"path\" as a string, one of " + FlightPath.FORMS);
        JsonNode idle = node.get("idle_timeout_s");
        if (idle != null && !idle.isNumber()) throw invalid(what + " idle_timeout_s must be a number of seconds");
        return new FlightRequest(FlightPath.parse(path.asText()), jsonBool(node, "follow", what), jsonBool(node, "replace", what),
                idle == null ? Optional.empty() : Optional.of(Duration.ofMillis(Math.round(idle.asDouble() * 1000))));
    }

    private static boolean jsonBool(JsonNode node, String key, String what) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw invalid(what + " " + key + " must be true or false, got " + v);
        return v.asBoolean();
    }

    private static boolean bool(String value, String key) {
        if (value == null || value.equals("false")) return false;
        if (value.equals("true")) return true;
        throw invalid(key + " must be true or false, got '" + value + "'");
    }

    private static Optional<Duration> seconds(String value) {
        if (value == null) return Optional.empty();
        try {
            return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000)));
        } catch (NumberFormatException e) {
            throw invalid("idle_timeout_s must be a number of seconds, got '" + value + "'");
        }
    }

    private static RuntimeException invalid(String message) {
        return CallStatus.INVALID_ARGUMENT.withDescription(message).toRuntimeException();
    }
}
