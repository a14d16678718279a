package io.autodidact.testing;

import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.run.RunLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One finished iteration of recipe rest-mcts on {@link TinyRun}'s config (a policy checkpoint, a trained PRM in
 * {@code prm/checkpoint-1}), run once per test JVM and shared by the tests that search with it.
 */
public final class TinyRestMctsRun {
    public static final DjlEngineFactory ENGINES = new DjlEngineFactory(EngineOptions.defaults().withThreads(1));
    public static final List<String> OVERRIDES = List.of("iterations=1", "recipe={name: rest-mcts, branch: 2, budget_tokens: 60, step_tokens: 6, "
            + "train_steps: 6, batch_size: 16, warmup_steps: 2, prm_train_steps: 5, prm_batch_size: 16}");
    private static Path dir;

    private TinyRestMctsRun() {}

    public static RunSpec spec() {
        return RunSpecReader.parse(TinyRun.CONFIG, Path.of("."), OVERRIDES, "TinyRestMctsRun");
    }

    /** The run directory, run on first use. */
    public static synchronized Path get() {
        if (dir != null) return dir;
        try {
            Path root = Files.createTempDirectory("tiny-rest-mcts");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(root)));
            Path run = root.resolve("run");
            RunLauncher.start(spec(), run, ENGINES, LoopEvents.NONE).runner().run();
            dir = run;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
