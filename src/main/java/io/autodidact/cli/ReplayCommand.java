package io.autodidact.cli;

import io.autodidact.run.Replay;
import io.autodidact.run.RunLauncher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code autodidact replay RUN_DIR --recipe NAME [--set k=v ...] [--run-dir OUT]}. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Train a new run on another run's recorded rollouts under a recipe, generating nothing new (docs/replay.md).")
final class ReplayCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The run whose rollouts to train on.")
    Path source;

    @Option(names = "--recipe", required = true, description = "Recipe of the new run, e.g. star, grpo, self-certainty.")
    String recipe;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value, e.g. --set recipe.max_per_problem=2.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--run-dir", description = "Where the new run writes (default: beside the source, <name>-replay-<recipe>-<timestamp>).")
    Path runDir;

    @Override
    public Integer call() {
        RunLauncher.Prepared run = Replay.start(source, recipe, overrides, Optional.ofNullable(runDir), RunCommand::factory,
                new ConsoleEvents(System.out));
        System.out.println("Run " + run.dir().root() + " (replaying " + source + ")");
        return RunCommand.Summary.print(run.runner().run(), System.out);
    }
}
