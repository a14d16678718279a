package io.autodidact.cli;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.reward.AnswerExtractor;
import io.autodidact.run.BestOfN;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code autodidact bestofn CHECKPOINT_OR_RUN_DIR [--task NAME] [--n 8]}: best-of-N by self-certainty on held-out sets. */
@Command(name = "bestofn", mixinStandardHelpOptions = true,
        description = "Accuracy of a random pick, the most self-certain sample, certainty-weighted Borda voting, majority voting and "
                + "the oracle pass@N, per held-out set (docs/self-certainty.md).")
final class BestOfNCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT_OR_RUN_DIR",
            description = "A run directory (its latest checkpoint and its task) or a checkpoint directory (then give --task).")
    Path target;

    @Option(names = "--task", description = "Built-in task whose held-out sets to use (default: the run's task).")
    String task;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a run config value, e.g. --set task.options.width=4.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--n", defaultValue = "8", description = "Samples per problem (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--power", defaultValue = "0.5", description = "Borda exponent p; 0 is majority voting (default: ${DEFAULT-VALUE}).")
    double power;

    @Option(names = "--per-difficulty", description = "Held-out problems per set (default: the run's eval.per_difficulty).")
    Integer perDifficulty;

    @Option(names = "--answer", defaultValue = "last-line",
            description = "How votes read an answer: last-line, after:MARKER or regex:PATTERN (default: ${DEFAULT-VALUE}).")
    String answer;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling and random-pick seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        boolean isRun = Files.isRegularFile(target.resolve("run.yaml"));
        RunSpec spec;
        Path checkpoint;
        List<String> sets = new ArrayList<>(overrides);
        if (perDifficulty != null) sets.add("eval.per_difficulty=" + perDifficulty);
        if (isRun) {
            RunDirectory run = RunDirectory.open(target);
            Map<String, Object> config = run.readRunConfig();
            config.remove("replay");
            if (task != null) sets.add("task.name=" + task);
            spec = RunSpecReader.parse(new org.yaml.snakeyaml.Yaml().dump(config), target.toAbsolutePath(), sets, target + "/run.yaml");
            checkpoint = run.checkpoints().latestComplete().orElseThrow(() -> new IllegalArgumentException(
                    "run " + target + " has no complete checkpoint yet; wait for BOOTSTRAP to finish"));
        } else {
            if (task == null) {
                System.err.println("autodidact bestofn: " + target + " is not a run directory; give --task NAME for a checkpoint");
                return 2;
            }
            spec = RunSpecReader.parse("task: {name: " + task + "}\nmodel: {checkpoint: " + target.toAbsolutePath() + "}\n", Path.of("."), sets,
                    "--task " + task);
            checkpoint = target;
        }
        TaskWorkload workload = TaskWorkload.of(spec);
        List<BestOfN.Row> rows;
        try (PolicyEngine engine = RunCommand.factory(spec).load(checkpoint)) {
            rows = BestOfN.evaluate(engine, workload.evalSets(), workload.reward(), extractor(answer), n, temperature,
                    spec.generate().maxNewTokens(), power, seed);
        }
        System.out.printf("best-of-%d on %s (temperature %s, Borda p = %s)%n", n, checkpoint, temperature, power);
        System.out.printf("%-8s %8s %8s %10s %8s %9s %10s%n", "set", "problems", "random", "certainty", "borda", "majority", "pass@" + n);
        List<BestOfN.Row> all = new ArrayList<>(rows);
        all.add(BestOfN.overall(rows));
        for (BestOfN.Row r : all)
            System.out.printf("%-8s %8d %7.1f%% %9.1f%% %7.1f%% %8.1f%% %9.1f%%%n", r.set(), r.problems(), 100 * r.random(), 100 * r.mostCertain(),
                    100 * r.borda(), 100 * r.majority(), 100 * r.oracle());
        return 0;
    }

    static AnswerExtractor extractor(String spec) {
        if (spec.equals("last-line")) return AnswerExtractor.lastLine();
        if (spec.startsWith("after:")) return AnswerExtractor.afterMarker(spec.substring("after:".length()));
        if (spec.startsWith("regex:")) return AnswerExtractor.regex(spec.substring("regex:".length()));
        throw new IllegalArgumentException("--answer " + spec + ": use last-line, after:MARKER or regex:PATTERN");
    }
}
