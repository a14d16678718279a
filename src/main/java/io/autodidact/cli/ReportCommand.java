package io.autodidact.cli;

import io.autodidact.store.ComparisonReport;
import io.autodidact.store.Report;
import io.autodidact.store.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code autodidact report RUN_DIR... [--out DIR]}: one HTML page comparing runs. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write one HTML page comparing runs: accuracy by iteration and eval set, samples kept, rewards, recipe controls.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Run directories (label a run with LABEL=DIR).")
    List<String> runs;

    @Option(names = "--out", description = "Directory for report.html and plots/ (default: runs/compare-<timestamp>).")
    Path out;

    @Option(names = "--title", description = "Page title.", defaultValue = "Run comparison")
    String title;

    @Override
    public Integer call() {
        List<ComparisonReport.Arm> arms = new ArrayList<>();
        for (String arg : runs) {
            int eq = arg.indexOf('=');
            String label = eq > 0 ? arg.substring(0, eq) : null;
            Path dir = Path.of(eq > 0 ? arg.substring(eq + 1) : arg);
            if (!Files.isRegularFile(dir.resolve("run.yaml"))) {
                System.err.println("autodidact report: " + dir + " is not a run directory (no run.yaml)");
                return 2;
            }
            arms.add(ComparisonReport.Arm.of(RunDirectory.open(dir), label));
        }
        Path dir = out != null ? out
                : Path.of("runs", "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Report.Written written = ComparisonReport.write(dir, title, arms, "");
        System.out.println("report " + written.html().toAbsolutePath());
        return 0;
    }
}
