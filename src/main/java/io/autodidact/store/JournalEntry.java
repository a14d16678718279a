package io.autodidact.store;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One completed unit of work in a run: a whole stage of an iteration ({@code part == WHOLE_STAGE})
 * or one part of it (a generated batch, a scored part). Its presence in the journal is what makes
 * the work count as done on resume.
 *
 * @param iteration the loop iteration, 0 for work before the first (bootstrap, baseline eval)
 * @param stage     the stage name, e.g. GENERATE, SCORE, SELECT, TRAIN, EVALUATE, BOOTSTRAP
 * @param part      the part index, or {@link #WHOLE_STAGE}
 * @param data      a small JSON payload (counts, paths, timings); values must be JSON-serialisable
 */
public record JournalEntry(int iteration, String stage, int part, Instant timestamp, Map<String, Object> data) {

    /** The {@code part} of an entry that closes a whole stage. */
    public static final int WHOLE_STAGE = -1;

    private static final Pattern STAGE = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");

    public JournalEntry {
        if (iteration < 0)
            throw new IllegalArgumentException("journal entry iteration must be >= 0, got " + iteration);
        Objects.requireNonNull(stage, "journal entry stage must not be null; use a name like GENERATE");
        if (!STAGE.matcher(stage).matches())
            throw new IllegalArgumentException("journal entry stage '" + stage
                    + "' must be a word of letters, digits, '_', '.' or '-' starting with a letter, like GENERATE");
        if (part < WHOLE_STAGE)
            throw new IllegalArgumentException("journal entry part must be >= 0, or -1 for a whole stage; got " + part);
        Objects.requireNonNull(timestamp, "journal entry timestamp must not be null; pass Instant.now()");
        Objects.requireNonNull(data, "journal entry data must not be null; pass Map.of()");
        data.forEach((k, v) -> {
            if (k == null || v == null)
                throw new IllegalArgumentException("journal entry data must not hold null keys or values (key "
                        + k + "); leave the key out instead");
        });
        data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    /** An entry closing a whole stage. */
    public static JournalEntry stage(int iteration, String stage, Instant timestamp, Map<String, Object> data) {
        return new JournalEntry(iteration, stage, WHOLE_STAGE, timestamp, data);
    }

    /** An entry closing one part of a stage. */
    public static JournalEntry part(int iteration, String stage, int part, Instant timestamp, Map<String, Object> data) {
        if (part < 0) throw new IllegalArgumentException("part must be >= 0 for a part entry, got " + part);
        return new JournalEntry(iteration, stage, part, timestamp, data);
    }

    public boolean isWholeStage() {
        return part == WHOLE_STAGE;
    }

    boolean is(int iteration, String stage, int part) {
        return this.iteration == iteration && this.part == part && this.stage.equals(stage);
    }
}
