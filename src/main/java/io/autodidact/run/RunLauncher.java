package io.autodidact.run;

import io.autodidact.engine.EngineFactory;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.recipe.Recipes;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Composes a run from its parts: config, workload, recipe, engine factory and run directory. Everything
 * that can be wrong with a config is found here, before the run directory is created.
 */
public final class RunLauncher {
    private RunLauncher() {}

    /** A prepared run: validated, with its directory created (or reopened, to resume). */
    public record Prepared(RunDirectory dir, LoopRunner runner) {}

    private static TaskWorkload workload(RunSpec spec) {
        TaskWorkload workload = TaskWorkload.of(spec);
        for (String set : spec.eval().headline())
            if (!workload.evalSets().containsKey(set))
                throw io.autodidact.loop.ConfigMap.error("eval.headline", "names eval set \"" + set + "\" but the sets are "
                        + workload.evalSets().keySet());
        return workload;
    }

    /** Everything {@link #start} checks about a config (task, eval sets, recipe options), without creating anything. */
    public static void validate(RunSpec spec) {
        recipe(spec, workload(spec));
    }

    private static Recipe recipe(RunSpec spec, TaskWorkload workload) {
        Recipe recipe = Recipes.named(spec.recipe().name(), spec.recipe().options());
        if (recipe.rationalizationSamples() > 0 && !workload.supportsHints())
            throw io.autodidact.loop.ConfigMap.error("recipe.rationalize", "this task has no hint format (built-in tasks that have one: "
                    + "addition); turn rationalize off");
        return recipe;
    }

    public static Prepared start(RunSpec spec, Path runDir, EngineFactory engines, LoopEvents events) {
        return start(spec, runDir, engines, events, java.util.Optional.empty());
    }

    /** {@link #start(RunSpec, Path, EngineFactory, LoopEvents)}, replaying {@code replay}'s rollouts when present ({@link Replay}). */
    static Prepared start(RunSpec spec, Path runDir, EngineFactory engines, LoopEvents events, java.util.Optional<ReplaySource> replay) {
        TaskWorkload workload = workload(spec);
        Recipe recipe = recipe(spec, workload);
        Map<String, Object> resolved = spec.toMap();
        Map<String, Object> recipeMap = new LinkedHashMap<>();
        recipeMap.put("name", recipe.name());
        recipeMap.putAll(recipe.options());
        resolved.put("recipe", recipeMap);
        replay.ifPresent(source -> resolved.put(Replay.KEY, Replay.entry(source)));
        if (Files.exists(runDir))
            throw new IllegalArgumentException("run directory " + runDir + " already exists; resume it with --resume " + runDir
                    + " or choose another --run-dir");
        RunDirectory dir = RunDirectory.create(runDir, resolved, Clock.systemUTC());
        return new Prepared(dir, new LoopRunner(dir, spec, workload, recipe, engines, events, replay));
    }

    /** Reopens a run from its own {@code run.yaml}; the engine factory is chosen from that resolved config. */
    public static Prepared resume(Path runDir, Function<RunSpec, EngineFactory> engines, LoopEvents events) {
        RunDirectory dir = RunDirectory.open(runDir);
        Map<String, Object> config = dir.readRunConfig();
        java.util.Optional<ReplaySource> replay = Replay.sourceOf(config);
        RunSpec spec = RunSpecReader.fromMap(config, runDir.toAbsolutePath());
        TaskWorkload workload = workload(spec);
        Recipe recipe = recipe(spec, workload);
        return new Prepared(dir, new LoopRunner(dir, spec, workload, recipe, engines.apply(spec), events, replay));
    }

    /** {@code runs/<name>-<yyyyMMdd-HHmmss>}. */
    public static Path defaultRunDir(Path root, RunSpec spec) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path p = root.resolve(spec.name() + "-" + stamp);
        for (int i = 2; Files.exists(p); i++) p = root.resolve(spec.name() + "-" + stamp + "-" + i);
        return p;
    }
}
