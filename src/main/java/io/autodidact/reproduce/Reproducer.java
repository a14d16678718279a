package io.autodidact.reproduce;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.autodidact.engine.EngineFactory;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.reproduce.Reproduction.Arm;
import io.autodidact.reproduce.Reproduction.ArmResult;
import io.autodidact.reproduce.Reproduction.Verdict;
import io.autodidact.run.RunLauncher;
import io.autodidact.store.AtomicFiles;
import io.autodidact.store.ComparisonReport;
import io.autodidact.store.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a {@link Reproduction} into one directory:
 *
 * <pre>
 *   reproduction.json        name, seed and overrides (what --resume needs)
 *   base/                    the shared base policy: bootstrap and the iteration-0 evaluation
 *   arms/&lt;label&gt;/            one run directory per arm, each starting from base's checkpoint
 *   summary.json, report.html, plots/
 * </pre>
 *
 * Every part is an ordinary run directory, so a killed reproduction resumes each run where it stopped.
 */
public final class Reproducer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Function<RunSpec, EngineFactory> engines;
    private final LoopEvents events;
    private final java.io.PrintStream log;

    public Reproducer(Function<RunSpec, EngineFactory> engines, LoopEvents events, java.io.PrintStream log) {
        this.engines = engines;
        this.events = events;
        this.log = log;
    }

    /** Starts {@code r} in the new directory {@code dir}; {@code overrides} apply to the base and every arm. */
    public Map<String, Object> start(Reproduction r, long seed, List<String> overrides, Path dir) {
        return start(r, seed, overrides, dir, java.util.Optional.empty());
    }

    /**
     * As {@link #start(Reproduction, long, List, Path)}, with the base policy taken from a finished run ({@code base}:
     * its iteration-0 checkpoint) instead of bootstrapping one: reproductions on one base config and seed can share it.
     */
    public Map<String, Object> start(Reproduction r, long seed, List<String> overrides, Path dir, java.util.Optional<Path> base) {
        if (Files.exists(dir))
            throw new IllegalArgumentException("directory " + dir + " already exists; resume it with --resume " + dir + " or choose another --run-dir");
        base.ifPresent(b -> {
            if (!Files.isRegularFile(b.resolve("run.yaml")) || !RunDirectory.open(b).checkpoints().isComplete(0))
                throw new IllegalArgumentException("--base " + b + " is not a run directory with a complete iteration-0 checkpoint");
        });
        validate(r, seed, overrides); // every arm's config, before any work starts
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("reproduction", r.name());
        meta.put("seed", seed);
        meta.put("overrides", overrides);
        base.ifPresent(b -> meta.put("base", b.toAbsolutePath().toString()));
        writeJson(dir.resolve("reproduction.json"), meta);
        return run(r, seed, overrides, dir, base.map(Path::toAbsolutePath).orElse(dir.resolve("base")));
    }

    /** Continues the reproduction in {@code dir} from where it stopped. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> resume(Path dir, Function<String, Reproduction> byName) {
        Path file = dir.resolve("reproduction.json");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(dir + " is not a reproduction directory (no reproduction.json)");
        Map<String, Object> meta;
        try {
            meta = JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Path base = meta.get("base") instanceof String b ? Path.of(b) : dir.resolve("base");
        return run(byName.apply((String) meta.get("reproduction")), ((Number) meta.get("seed")).longValue(),
                (List<String>) meta.get("overrides"), dir, base);
    }

    static void validate(Reproduction r, long seed, List<String> overrides) {
        RunLauncher.validate(spec(r, baseOverrides(r, seed, overrides)));
        for (Arm arm : r.arms()) RunLauncher.validate(spec(r, armOverrides(r, arm, seed, overrides, null))); // no base checkpoint yet
    }

    private Map<String, Object> run(Reproduction r, long seed, List<String> overrides, Path dir, Path baseDir) {
        log.printf("== reproduce %s (seed %d): %s%n", r.name(), seed, r.claim());
        log.println("-- base policy: " + baseDir);
        RunSpec baseSpec = spec(r, baseOverrides(r, seed, overrides));
        finish(baseDir, () -> baseSpec);
        Path checkpoint = RunDirectory.open(baseDir).checkpoints().directory(0).toAbsolutePath();
        Map<String, ArmResult> results = new LinkedHashMap<>();
        Map<String, Path> armDirs = new LinkedHashMap<>();
        List<ComparisonReport.Arm> reportArms = new ArrayList<>();
        for (Arm arm : r.arms()) {
            Path armDir = dir.resolve("arms").resolve(arm.label());
            log.println("-- arm " + arm.label() + ": " + armDir);
            finish(armDir, () -> spec(r, armOverrides(r, arm, seed, overrides, checkpoint)));
            RunDirectory run = RunDirectory.open(armDir);
            armDirs.put(arm.label(), armDir);
            results.put(arm.label(), result(arm.label(), run));
            reportArms.add(ComparisonReport.Arm.of(run, arm.label()));
        }
        Map<String, Map<String, Double>> probes = new LinkedHashMap<>();
        for (Reproduction.Probe probe : r.probes()) {
            Path file = dir.resolve("probes").resolve(probe.name() + ".json");
            if (!Files.isRegularFile(file)) {
                log.println("-- probe " + probe.name());
                Map<String, Double> figures = probe.measure(new Reproduction.ProbeContext(baseSpec, checkpoint, armDirs, engines.apply(baseSpec)));
                writeJson(file, new LinkedHashMap<>(figures));
            }
            probes.put(probe.name(), readFigures(file));
        }
        Verdict verdict = r.judge().judge(results, probes);
        Map<String, Object> summary = summary(r, seed, results, verdict);
        if (!probes.isEmpty()) summary.put("probes", probes);
        writeJson(dir.resolve("summary.json"), summary);
        String notes = "<p><b>Claim.</b> " + escape(r.claim()) + "</p>\n<p><b>" + (verdict.held() ? "Held" : "Did not hold")
                + ".</b> " + escape(verdict.explanation()) + "</p>";
        var written = ComparisonReport.write(dir, "Reproduction " + r.name() + " (seed " + seed + ")", reportArms, notes);
        summary.put("report", written.html().toString());
        writeJson(dir.resolve("summary.json"), summary);
        return summary;
    }

    /** Runs (or resumes) the run in {@code runDir} to its end; a finished one (with a summary) is left alone. */
    private void finish(Path runDir, java.util.function.Supplier<RunSpec> spec) {
        if (Files.isRegularFile(runDir.resolve("summary.json"))) {
            log.println("   already finished");
            return;
        }
        RunLauncher.Prepared run;
        if (Files.exists(runDir)) {
            run = RunLauncher.resume(runDir, engines, events);
        } else {
            RunSpec s = spec.get();
            run = RunLauncher.start(s, runDir, engines.apply(s), events);
        }
        run.runner().run();
    }

    static List<String> baseOverrides(Reproduction r, long seed, List<String> overrides) {
        List<String> o = new ArrayList<>(r.baseOverrides());
        o.addAll(overrides);
        o.addAll(List.of("seed=" + seed, "name=base", "iterations=0"));
        return o;
    }

    /**
     * The arm trains from the base policy's checkpoint ({@code null}: not known yet, to validate); bootstrap stays (0 steps)
     * so its demonstrations remain available.
     */
    static List<String> armOverrides(Reproduction r, Arm arm, long seed, List<String> overrides, Path checkpoint) {
        List<String> o = new ArrayList<>(r.baseOverrides());
        o.addAll(arm.overrides());
        o.addAll(overrides);
        o.addAll(List.of("seed=" + seed, "name=" + arm.label(), "bootstrap.steps=0"));
        if (checkpoint != null) o.add("model.path=" + checkpoint);
        return o;
    }

    private static RunSpec spec(Reproduction r, List<String> overrides) {
        String yaml;
        try (InputStream in = Reproducer.class.getResourceAsStream(r.baseConfig())) {
            if (in == null) throw new IllegalStateException(r.baseConfig() + " is missing from the build; rebuild with ./autodidact");
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return RunSpecReader.parse(yaml, Path.of("").toAbsolutePath(), overrides, r.baseConfig());
    }

    @SuppressWarnings("unchecked")
    static ArmResult result(String label, RunDirectory run) {
        Map<String, Object> s = run.readSummary();
        List<IterationMetrics> metrics = run.metrics().read();
        List<Double> headline = ((List<Map<String, Object>>) s.get("per_iteration")).stream()
                .map(row -> ((Number) row.get("accuracy")).doubleValue()).toList();
        return new ArmResult(label, String.valueOf(s.get("recipe")), metrics, headline,
                metrics.stream().mapToLong(IterationMetrics::samplesGenerated).sum(), ((Number) s.get("stage_seconds_total")).doubleValue());
    }

    private static Map<String, Object> summary(Reproduction r, long seed, Map<String, ArmResult> results, Verdict verdict) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("reproduction", r.name());
        s.put("seed", seed);
        s.put("claim", r.claim());
        s.put("held", verdict.held());
        s.put("verdict", verdict.explanation());
        s.put("numbers", verdict.numbers());
        Map<String, Object> arms = new LinkedHashMap<>();
        for (ArmResult a : results.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("recipe", a.recipe());
            m.put("base_accuracy", a.baseAccuracy());
            m.put("final_accuracy", a.finalAccuracy());
            m.put("gain_points", 100 * a.gain());
            m.put("samples_generated", a.samplesGenerated());
            m.put("stage_seconds", a.wallSeconds());
            m.put("accuracy_by_iteration", a.headline());
            arms.put(a.label(), m);
        }
        s.put("arms", arms);
        return s;
    }

    private static Map<String, Double> readFigures(Path file) {
        try {
            return JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Double>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void writeJson(Path file, Map<String, ?> value) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** One line per arm for the console. */
    @SuppressWarnings("unchecked")
    public static void print(Map<String, Object> summary, java.io.PrintStream out) {
        out.printf("%n== reproduction %s, seed %s: %s ==%n", summary.get("reproduction"), summary.get("seed"),
                Boolean.TRUE.equals(summary.get("held")) ? "HELD" : "DID NOT HOLD");
        out.printf("%-12s %-18s %8s %8s %8s %12s %9s%n", "arm", "recipe", "base", "final", "gain", "samples", "seconds");
        ((Map<String, Map<String, Object>>) summary.get("arms")).forEach((label, a) -> out.printf(Locale.ROOT,
                "%-12s %-18s %7.1f%% %7.1f%% %+8.1f %,12d %9.0f%n", label, a.get("recipe"),
                100 * ((Number) a.get("base_accuracy")).doubleValue(), 100 * ((Number) a.get("final_accuracy")).doubleValue(),
                ((Number) a.get("gain_points")).doubleValue(), ((Number) a.get("samples_generated")).longValue(),
                ((Number) a.get("stage_seconds")).doubleValue()));
        out.println(summary.get("verdict"));
        out.println("summary " + summary.get("report").toString().replace("report.html", "summary.json") + "; report " + summary.get("report"));
    }
}
