package io.autodidact.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code autodidact} command. Each subcommand is its own class. */
@Command(
        name = "autodidact",
        mixinStandardHelpOptions = true,
        version = "autodidact 0.1.0",
        description = "Runs self-training loops on language models.",
        subcommands = {DemoCommand.class, RunCommand.class, ServeCommand.class, RewardCommand.class, GenerateCommand.class,
                ModelCommand.class, BenchCommand.class, ReportCommand.class, ReproduceCommand.class, ExportCommand.class,
                ReplayCommand.class, BestOfNCommand.class, WorkerCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
