package io.autodidact.cli;

import io.autodidact.reproduce.Reproducer;
import io.autodidact.reproduce.Reproduction;
import io.autodidact.reproduce.Reproductions;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code autodidact reproduce NAME [--seed N]}, {@code --list}, {@code --resume DIR}. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "Run a paper's comparison at laptop scale (baseline and recipe, same samples) and say whether its claim held.")
final class ReproduceCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The reproduction (see --list).")
    String name;

    @Option(names = "--list", description = "List the reproductions and their claims.")
    boolean list;

    @Option(names = "--seed", description = "Seed of the base policy and every arm (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Option(names = "--run-dir", description = "Where it writes (default: runs/reproduce-<name>-s<seed>-<timestamp>).")
    Path runDir;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue a reproduction that stopped or was killed.")
    Path resume;

    @Option(names = "--base", paramLabel = "RUN_DIR", description = "Reuse the base policy of a finished run (its iteration-0 checkpoint) instead of bootstrapping one.")
    Path base;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config value of the base and every arm (e.g. to shrink it).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        if (list) {
            for (Reproduction r : Reproductions.all()) {
                System.out.printf("%-18s %s%n", r.name(), r.claim());
                for (Reproduction.Arm a : r.arms()) System.out.printf("%-18s   arm %-10s %s%n", "", a.label(), String.join(" ", a.overrides()));
            }
            return 0;
        }
        if ((name == null) == (resume == null)) {
            System.err.println("autodidact reproduce: give a NAME (see --list), or --resume DIR");
            return 2;
        }
        Reproducer reproducer = new Reproducer(RunCommand::factory, new ConsoleEvents(System.out), System.out);
        Map<String, Object> summary;
        if (resume != null) {
            summary = reproducer.resume(resume, Reproductions::named);
        } else {
            Reproduction r = Reproductions.named(name);
            Path dir = runDir != null ? runDir : Path.of("runs", "reproduce-" + r.name() + "-s" + seed + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            System.out.println("Reproduction " + dir);
            summary = reproducer.start(r, seed, overrides, dir, java.util.Optional.ofNullable(base));
        }
        Reproducer.print(summary, System.out);
        return 0;
    }
}
