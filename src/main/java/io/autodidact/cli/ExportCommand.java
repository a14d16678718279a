package io.autodidact.cli;

import io.autodidact.store.RolloutParquet;
import io.autodidact.store.RunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code autodidact export RUN_DIR}: a run's rollouts as one Parquet file, for DuckDB, Spark, pandas and polars. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a run's rollouts (rollouts/iter-NNNN/part-NNNNN.arrow) as one Parquet file with every column,"
                + " the token and logprob lists included.",
                "Default output: RUN_DIR/rollouts.parquet, or RUN_DIR/rollouts-iter-NNNN.parquet with one --iteration."})
final class ExportCommand implements Callable<Integer> {

    enum Format { PARQUET }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A run directory (runs/<run-id>).")
    Path runDir;

    @Option(names = "--format", description = "Output format (default: ${DEFAULT-VALUE}; valid: ${COMPLETION-CANDIDATES}).",
            defaultValue = "parquet")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write (default: in RUN_DIR, see above). Replaced atomically.")
    Path out;

    @Option(names = "--iteration", paramLabel = "N", description = "Export only iteration N (repeatable; default: every iteration).")
    List<Integer> iterations = new ArrayList<>();

    @Override
    public Integer call() {
        RunDirectory run;
        try {
            run = RunDirectory.open(runDir);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("autodidact export: " + e.getMessage());
            return 2;
        }
        Path target = out != null ? out
                : run.root().resolve(iterations.size() == 1 ? String.format("rollouts-iter-%04d.parquet", iterations.getFirst()) : "rollouts.parquet");
        try (BufferAllocator allocator = new RootAllocator()) {
            RolloutParquet.Result r = RolloutParquet.export(run, iterations, target, allocator);
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d rollouts (%d iterations, %d parts) to %s (%s, %s)%n",
                    r.rows(), r.iterations(), r.parts(), r.file(), size(r.bytes()), format.name().toLowerCase(Locale.ROOT));
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("autodidact export: " + e.getMessage());
            return 2;
        }
    }

    private static String size(long bytes) {
        return bytes < 1_000_000 ? String.format(Locale.ROOT, "%.1f kB", bytes / 1e3) : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
