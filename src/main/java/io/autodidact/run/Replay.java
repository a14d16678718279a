package io.autodidact.run;

import io.autodidact.engine.EngineFactory;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.yaml.snakeyaml.Yaml;

/**
 * Training from a run's recorded rollouts, generating nothing new: a new run whose GENERATE copies the source run's
 * rollouts of each iteration (tokens, text and the behaviour policy's log-probabilities), then SCORE, SELECT, TRAIN
 * and EVALUATE as usual under another recipe, to compare selection or update rules on identical data, or to recover
 * a run's training from its rollout ledger.
 *
 * <p>The replay starts from the source's base checkpoint (BOOTSTRAP with 0 steps, so its demonstrations stay
 * available) with the source's model, task and seed; the problems of each iteration are then the source's. Its
 * {@code run.yaml} records the source under {@value #KEY}. The new recipe's sampling options are not used.
 */
public final class Replay {
    /** The run.yaml key naming the source run of a replay. */
    public static final String KEY = "replay";

    private Replay() {}

    /**
     * Prepares the replay of {@code source} under recipe {@code recipe} (options by {@code overrides}, e.g.
     * {@code recipe.max_per_problem=2}) in {@code runDir}, or in {@code runs/} beside the source when empty.
     */
    @SuppressWarnings("unchecked")
    public static RunLauncher.Prepared start(Path source, String recipe, List<String> overrides, Optional<Path> runDir,
            Function<RunSpec, EngineFactory> engines, LoopEvents events) {
        ReplaySource src = new ReplaySource(source);
        Map<String, Object> config = src.config();
        config.remove(KEY); // a replay of a replay reads that run's own (copied) rollouts
        int generated = src.generatedIterations();
        if (generated == 0)
            throw new IllegalArgumentException("source run " + src.runId() + " finished no GENERATE stage; there are no rollouts to replay");
        int iterations = config.get("iterations") instanceof Number n ? n.intValue() : generated;
        config.put("iterations", Math.min(iterations, generated));
        config.put("name", config.getOrDefault("name", "run") + "-replay-" + recipe);
        config.put("recipe", new LinkedHashMap<>(Map.of("name", recipe)));
        Map<String, Object> model = new LinkedHashMap<>((Map<String, Object>) config.getOrDefault("model", Map.of()));
        model.remove("path");
        model.put("checkpoint", src.baseCheckpoint().toString());
        config.put("model", model);
        if (config.get("bootstrap") instanceof Map<?, ?> b) {
            Map<String, Object> bootstrap = new LinkedHashMap<>((Map<String, Object>) b);
            bootstrap.put("steps", 0);
            config.put("bootstrap", bootstrap);
        }
        String yaml = new Yaml().dump(config);
        String what = "replay of " + src.runId();
        RunSpec plain = RunSpecReader.parse(yaml, src.root(), List.of(), what);
        RunSpec spec = RunSpecReader.parse(yaml, src.root(), overrides, what);
        Map<String, Object> want = plain.toMap(), got = spec.toMap();
        for (String key : List.of("model", "task", "seed", "generate"))
            if (!String.valueOf(want.get(key)).equals(String.valueOf(got.get(key))))
                throw ConfigMap.error(key, "a replay keeps the source run's " + key + " (" + want.get(key) + "), got " + got.get(key)
                        + "; it trains the source's model on the source's recorded tokens and problems, so drop that --set");
        if (spec.iterations() > generated)
            throw ConfigMap.error("iterations", "source run " + src.runId() + " has rollouts for " + generated + " iterations; replay at most "
                    + generated);
        Path dir = runDir.orElseGet(() -> RunLauncher.defaultRunDir(src.root().getParent(), spec));
        return RunLauncher.start(spec, dir, engines.apply(spec), events, Optional.of(src));
    }

    /** The source recorded in a run's config, removing its key so the rest reads as a plain run spec. */
    static Optional<ReplaySource> sourceOf(Map<String, Object> config) {
        Object entry = config.remove(KEY);
        if (entry == null) return Optional.empty();
        if (!(entry instanceof Map<?, ?> m) || !(m.get("source") instanceof String path))
            throw ConfigMap.error(KEY, "must be a mapping with source: <run directory>");
        return Optional.of(new ReplaySource(Path.of(path)));
    }

    static Map<String, Object> entry(ReplaySource source) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source.root().toString());
        m.put("run", source.runId());
        return m;
    }
}
