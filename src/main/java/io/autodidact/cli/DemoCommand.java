package io.autodidact.cli;

import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.run.RunLauncher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job: bootstraps a tiny Llama on a few labelled additions (mostly short numbers), then runs
 * STaR on problems with only the answer known, and shows held-out accuracy rising. Config:
 * {@code configs/demo.yaml}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Self-train a tiny model on n-digit addition with STaR and show it getting better (about 5-10 minutes on 2 cores).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--seed", description = "Run seed (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Option(names = "--run-dir", description = "Where the run writes (default: runs/demo-<timestamp>).")
    Path runDir;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a value of configs/demo.yaml.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        String yaml;
        try (InputStream in = DemoCommand.class.getResourceAsStream("/configs/demo.yaml")) {
            if (in == null) throw new IllegalStateException("configs/demo.yaml is missing from the build; rebuild with ./autodidact");
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> all = new ArrayList<>(overrides);
        all.add(0, "seed=" + seed);
        RunSpec spec = RunSpecReader.parse(yaml, Path.of("").toAbsolutePath(), all, "configs/demo.yaml");
        Path dir = runDir != null ? runDir : RunLauncher.defaultRunDir(Path.of("runs"), spec);
        System.out.println("Autodidact demo: STaR on n-digit addition. Run directory " + dir);
        var run = RunLauncher.start(spec, dir, RunCommand.factory(spec), new ConsoleEvents(System.out));
        return RunCommand.Summary.print(run.runner().run(), System.out);
    }
}
