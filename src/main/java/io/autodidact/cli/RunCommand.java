package io.autodidact.cli;

import io.autodidact.engine.EngineFactory;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.run.EngineFactories;
import io.autodidact.run.RunLauncher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code autodidact run CONFIG [--run-dir DIR] [--set k=v ...]} or {@code autodidact run --resume DIR}. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a self-training loop from a config, or resume one.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "Run config (YAML or JSON).")
    Path config;

    @Option(names = "--run-dir", description = "Where the run writes (default: runs/<name>-<timestamp>).")
    Path runDir;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue a run that stopped or was killed.")
    Path resume;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value, e.g. --set recipe.samples=4.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--runs", description = "Root of run directories (default: ${DEFAULT-VALUE}).", defaultValue = "runs")
    Path runsRoot;

    @Override
    public Integer call() {
        if ((config == null) == (resume == null)) {
            System.err.println("autodidact run: give a CONFIG file, or --resume RUN_DIR");
            return 2;
        }
        ConsoleEvents events = new ConsoleEvents(System.out);
        RunLauncher.Prepared run;
        if (resume != null) {
            run = RunLauncher.resume(resume, RunCommand::factory, events);
            System.out.println("Resuming " + resume);
        } else {
            RunSpec spec = RunSpecReader.read(config, overrides);
            Path dir = runDir != null ? runDir : RunLauncher.defaultRunDir(runsRoot, spec);
            run = RunLauncher.start(spec, dir, factory(spec), events);
            System.out.println("Run " + dir);
        }
        return Summary.print(run.runner().run(), System.out);
    }

    static EngineFactory factory(RunSpec spec) {
        return EngineFactories.forRun(spec, Runtime.getRuntime().availableProcessors(), System.getenv());
    }

    /** The end-of-run table: headline accuracy, all sets and samples kept, per iteration. */
    static final class Summary {
        @SuppressWarnings("unchecked")
        static int print(Map<String, Object> s, java.io.PrintStream out) {
            out.printf("%n== %s: %s, %s iterations ==%n", s.get("run"), s.get("recipe"), s.get("iterations"));
            out.printf("%4s  %14s  %14s  %9s  %9s%n", "iter", "pass@1 " + s.get("accuracy_sets"), "pass@1 all", "correct", "selected");
            for (Map<String, Object> row : (List<Map<String, Object>>) s.get("per_iteration"))
                out.printf("%4d  %13.1f%%  %13.1f%%  %9d  %9d%n", ((Number) row.get("iteration")).intValue(),
                        100 * ((Number) row.get("accuracy")).doubleValue(), 100 * ((Number) row.get("accuracy_all_sets")).doubleValue(),
                        ((Number) row.get("samples_correct")).intValue(), ((Number) row.get("samples_selected")).intValue());
            double base = ((Number) s.get("base_accuracy")).doubleValue(), last = ((Number) s.get("final_accuracy")).doubleValue();
            out.printf("held-out pass@1 on sets %s: base %.1f%% -> final %.1f%% (%+.1f points)%n", s.get("accuracy_sets"),
                    100 * base, 100 * last, 100 * (last - base));
            out.printf("time in stages %.0f s (this session %.0f s); summary %s/summary.json; report %s%n",
                    ((Number) s.get("stage_seconds_total")).doubleValue(), ((Number) s.get("wall_seconds")).doubleValue(),
                    Path.of((String) s.get("report")).getParent(), s.get("report"));
            return 0;
        }
    }
}
