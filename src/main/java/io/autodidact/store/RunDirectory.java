package io.autodidact.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.yaml.snakeyaml.Yaml;

/**
 * One run's folder, {@code runs/<run-id>/}: its resolved config, journal, rollouts, checkpoints,
 * metrics and report. {@link #create} starts one, {@link #open} reopens one to resume or inspect
 * it and refuses folders this build cannot read. Everything written under it is written atomically.
 */
public final class RunDirectory {

    /** The newest run-directory layout this build reads and the one it writes. */
    public static final int FORMAT_VERSION = 1;
    /** Recorded in {@code format.json} so a folder says which build made it. */
    public static final String CREATED_BY = "autodidact 0.1.0";

    static final String FORMAT_FILE = "format.json";
    static final String RUN_YAML = "run.yaml";

    private final Path root;
    private final int formatVersion;
    private final Journal journal;
    private final MetricsLog metrics;
    private final Checkpoints checkpoints;

    private RunDirectory(Path root, int formatVersion, Clock clock) {
        this.root = root;
        this.formatVersion = formatVersion;
        this.journal = Journal.open(root.resolve("journal.jsonl"), clock);
        this.metrics = new MetricsLog(root.resolve("metrics.jsonl"));
        this.checkpoints = new Checkpoints(root.resolve("checkpoints"));
    }

    /**
     * Starts a run in {@code dir} (its name is the run id) with {@code runYaml}, the resolved
     * config. Refuses a folder that already holds a run or anything else.
     */
    public static RunDirectory create(Path dir, String runYaml, Clock clock) {
        Objects.requireNonNull(runYaml, "runYaml must not be null; pass the resolved config as YAML text");
        Objects.requireNonNull(clock, "clock must not be null; pass Clock.systemUTC()");
        Path root = dir.toAbsolutePath().normalize();
        runIdOf(root);
        if (Files.exists(root.resolve(FORMAT_FILE)))
            throw new IllegalStateException("run dir " + root + " already exists; open it to resume, or choose another run id");
        requireEmptyOrLeftover(root);
        try {
            Files.createDirectories(root);
            AtomicFiles.fsyncDirectory(root.getParent());
            AtomicFiles.writeString(root.resolve(RUN_YAML), runYaml);
            // format.json last: until it exists the folder is not a run dir, so a crash mid-create leaves nothing to resume.
            Map<String, Object> format = new LinkedHashMap<>();
            format.put("format_version", FORMAT_VERSION);
            format.put("created_by", CREATED_BY);
            AtomicFiles.write(root.resolve(FORMAT_FILE), StoreJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(format));
        } catch (IOException e) {
            throw new UncheckedIOException("could not create run dir " + root + ": " + e.getMessage(), e);
        }
        return new RunDirectory(root, FORMAT_VERSION, clock);
    }

    /** Starts a run in {@code dir} with {@code config} written as {@code run.yaml}. */
    public static RunDirectory create(Path dir, Map<String, Object> config, Clock clock) {
        return create(dir, new Yaml().dump(Objects.requireNonNull(config, "config must not be null")), clock);
    }

    /** Reopens the run in {@code dir}, sweeping temp files a crash left and repairing a torn journal line. */
    public static RunDirectory open(Path dir, Clock clock) {
        Objects.requireNonNull(clock, "clock must not be null; pass Clock.systemUTC()");
        Path root = dir.toAbsolutePath().normalize();
        Path formatFile = root.resolve(FORMAT_FILE);
        if (!Files.isDirectory(root))
            throw new IllegalArgumentException("run dir " + root + " does not exist; check the path or create the run first");
        if (!Files.isRegularFile(formatFile))
            throw new IllegalArgumentException(root + " is not an autodidact run dir (it has no " + FORMAT_FILE
                    + "); point at a folder under runs/");
        int version = readFormatVersion(formatFile);
        if (version > FORMAT_VERSION)
            throw new UnsupportedFormatException("run dir " + root + " was written by format version " + version
                    + " but this autodidact reads up to " + FORMAT_VERSION + "; upgrade autodidact");
        RunDirectory run = new RunDirectory(root, version, clock);
        run.sweepTemps();
        return run;
    }

    public static RunDirectory open(Path dir) {
        return open(dir, Clock.systemUTC());
    }

    public Path root() {
        return root;
    }

    /** The run id: the folder's name. */
    public String runId() {
        return runIdOf(root);
    }

    /** The layout version the folder was written with. */
    public int formatVersion() {
        return formatVersion;
    }

    public Journal journal() {
        return journal;
    }

    public MetricsLog metrics() {
        return metrics;
    }

    public Checkpoints checkpoints() {
        return checkpoints;
    }

    /** Rollout parts of this run, encoded with {@code allocator} (the caller owns and closes it). */
    public RolloutFiles rollouts(BufferAllocator allocator) {
        return new RolloutFiles(root.resolve("rollouts"), runId(), allocator);
    }

    /** The resolved config as written at start. */
    public String readRunYaml() {
        try {
            return Files.readString(root.resolve(RUN_YAML));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + root.resolve(RUN_YAML) + ": " + e.getMessage(), e);
        }
    }

    /** The resolved config parsed into maps, lists and scalars. */
    public Map<String, Object> readRunConfig() {
        Object parsed = new Yaml().load(readRunYaml());
        if (parsed == null) return Map.of();
        if (!(parsed instanceof Map<?, ?> map))
            throw new StoreCorruptedException(root.resolve(RUN_YAML) + " is not a YAML mapping; it holds a "
                    + parsed.getClass().getSimpleName());
        Map<String, Object> config = new LinkedHashMap<>();
        map.forEach((k, v) -> config.put(String.valueOf(k), v));
        return config;
    }

    /** Replaces {@code summary.json} atomically. */
    public void writeSummary(Map<String, Object> summary) {
        try {
            AtomicFiles.write(root.resolve("summary.json"), StoreJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(summary));
        } catch (IOException e) {
            throw new IllegalArgumentException("summary for run " + runId() + " is not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    /** {@code summary.json}, or an empty map before the run wrote one. */
    public Map<String, Object> readSummary() {
        Path file = root.resolve("summary.json");
        if (!Files.exists(file)) return Map.of();
        try {
            return StoreJson.MAPPER.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new StoreCorruptedException("could not read " + file + ": " + e.getMessage(), e);
        }
    }

    public Path reportFile() {
        return root.resolve("report.html");
    }

    public Path plotsDir() {
        return root.resolve("plots");
    }

    private void sweepTemps() {
        AtomicFiles.deleteStaleTemps(root);
        Path rollouts = root.resolve("rollouts");
        for (int iteration : IterationDirs.list(rollouts)) AtomicFiles.deleteStaleTemps(rollouts.resolve(IterationDirs.name(iteration)));
        AtomicFiles.deleteStaleTemps(plotsDir());
    }

    private static int readFormatVersion(Path formatFile) {
        JsonNode node;
        try {
            node = StoreJson.MAPPER.readTree(formatFile.toFile());
        } catch (IOException e) {
            throw new StoreCorruptedException(formatFile + " is not valid JSON (" + e.getMessage()
                    + "); restore it as {\"format_version\": 1}", e);
        }
        JsonNode version = node == null ? null : node.get("format_version");
        if (version == null || !version.canConvertToInt() || version.asInt() < 1)
            throw new StoreCorruptedException(formatFile + " has no positive integer format_version; restore it as"
                    + " {\"format_version\": 1}");
        return version.asInt();
    }

    private static String runIdOf(Path root) {
        Path name = root.getFileName();
        if (name == null || name.toString().isBlank())
            throw new IllegalArgumentException("run dir " + root + " has no name to serve as run id; use runs/<run-id>");
        return name.toString();
    }

    // A crash during create can leave run.yaml or a temp file but no format.json; creating again over that is safe.
    private static void requireEmptyOrLeftover(Path root) {
        if (!Files.isDirectory(root)) return;
        try (Stream<Path> children = Files.list(root)) {
            List<String> foreign = children.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(RUN_YAML) && !n.startsWith(AtomicFiles.TEMP_PREFIX))
                    .toList();
            if (!foreign.isEmpty())
                throw new IllegalStateException(root + " is not empty (it holds " + foreign
                        + ") and is not a run dir; choose another run id or move those files away");
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + root + ": " + e.getMessage(), e);
        }
    }
}
