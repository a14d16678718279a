package io.autodidact.flight;

import io.autodidact.loop.UploadedDatasets;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.apache.arrow.flight.CallStatus;

/**
 * What a descriptor or ticket names, as a path (documented in {@code flight/protocol.md}):
 * {@code datasets/<name>}, {@code runs/<run-id>/rollouts}, {@code runs/<run-id>/rollouts/<iteration>} or
 * {@code runs/<run-id>/metrics}.
 */
public sealed interface FlightPath {

    /** The canonical text form, e.g. {@code runs/r1/rollouts/2}. */
    String text();

    /** The path as Flight descriptor segments. */
    default List<String> segments() {
        return List.of(text().split("/"));
    }

    /** An uploaded dataset. */
    record Dataset(String name) implements FlightPath {
        public Dataset {
            Objects.requireNonNull(name, "dataset name must not be null");
            UploadedDatasets.requireValidName(name);
        }

        @Override
        public String text() {
            return "datasets/" + name;
        }
    }

    /** A run's rollouts, all iterations or one. */
    record Rollouts(String runId, OptionalInt iteration) implements FlightPath {
        public Rollouts {
            requireRunId(runId);
            Objects.requireNonNull(iteration, "iteration must not be null; use OptionalInt.empty() for all iterations");
            if (iteration.isPresent() && iteration.getAsInt() < 0)
                throw new IllegalArgumentException("iteration must be >= 0, got " + iteration.getAsInt());
        }

        @Override
        public String text() {
            return "runs/" + runId + "/rollouts" + (iteration.isPresent() ? "/" + iteration.getAsInt() : "");
        }
    }

    /** A run's per-iteration metrics. */
    record Metrics(String runId) implements FlightPath {
        public Metrics {
            requireRunId(runId);
        }

        @Override
        public String text() {
            return "runs/" + runId + "/metrics";
        }
    }

    /** The forms a path may take, for error messages. */
    String FORMS = "datasets/<name>, runs/<run-id>/rollouts, runs/<run-id>/rollouts/<iteration>, runs/<run-id>/metrics";

    /**
     * Parses {@code text} ({@code a/b/c}; a leading or trailing '/' is ignored).
     *
     * @throws org.apache.arrow.flight.FlightRuntimeException NOT_FOUND when it names nothing this server serves,
     *         INVALID_ARGUMENT when a name in it is malformed
     */
    static FlightPath parse(String text) {
        String trimmed = text.strip();
        while (trimmed.startsWith("/")) trimmed = trimmed.substring(1);
        while (trimmed.endsWith("/")) trimmed = trimmed.substring(0, trimmed.length() - 1);
        String[] s = trimmed.split("/", -1);
        try {
            if (s.length == 2 && s[0].equals("datasets")) return new Dataset(s[1]);
            if (s.length == 3 && s[0].equals("runs") && s[2].equals("rollouts")) return new Rollouts(s[1], OptionalInt.empty());
            if (s.length == 3 && s[0].equals("runs") && s[2].equals("metrics")) return new Metrics(s[1]);
            if (s.length == 4 && s[0].equals("runs") && s[2].equals("rollouts")) return new Rollouts(s[1], OptionalInt.of(iteration(s[3])));
        } catch (IllegalArgumentException e) {
            throw CallStatus.INVALID_ARGUMENT.withDescription("path '" + text + "': " + e.getMessage()).toRuntimeException();
        }
        throw CallStatus.NOT_FOUND.withDescription("no such path '" + text + "'; paths are " + FORMS).toRuntimeException();
    }

    private static int iteration(String text) {
        if (!text.matches("\\d{1,9}")) throw new IllegalArgumentException("iteration '" + text + "' must be a whole number >= 0, e.g. 3");
        return Integer.parseInt(text);
    }

    private static void requireRunId(String runId) {
        Objects.requireNonNull(runId, "run id must not be null");
        if (!RUN_ID.matcher(runId).matches() || runId.contains(".."))
            throw new IllegalArgumentException("run id '" + runId + "' is not a run folder name (letters, digits, '.', '_', '-')");
    }

    /** What a run id may look like: a plain folder name, never one that climbs out of the runs root. */
    Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
}
