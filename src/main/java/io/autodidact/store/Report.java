package io.autodidact.store;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.RewardStats;
import io.autodidact.store.plot.BarPlot;
import io.autodidact.store.plot.BoxPlot;
import io.autodidact.store.plot.LinePlot;
import io.autodidact.store.plot.Png;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * A run's human-readable report: {@code report.html} (self-contained, no external scripts or
 * styles) next to PNG charts in {@code plots/}: accuracy per iteration by difficulty, samples
 * generated/correct/selected, the reward distribution and, when the run trained, the loss.
 */
public final class Report {

    public static final int PLOT_WIDTH = 800;
    public static final int PLOT_HEIGHT = 450;

    /** What was written. */
    public record Written(Path html, List<Path> plots) {
        public Written {
            plots = List.copyOf(plots);
        }
    }

    private Report() {}

    /** Writes the report of {@code run} from its metrics log. */
    public static Written write(RunDirectory run) {
        return write(run.root(), "Run " + run.runId(), run.metrics().read());
    }

    /** Writes {@code report.html} and {@code plots/*.png} under {@code dir} for {@code metrics} (one per iteration, ascending). */
    public static Written write(Path dir, String title, List<IterationMetrics> metrics) {
        List<IterationMetrics> rows = metrics.stream().sorted((a, b) -> Integer.compare(a.iteration(), b.iteration())).toList();
        Path plots = dir.resolve("plots");
        List<Path> written = new ArrayList<>();
        written.add(png(plots.resolve("accuracy.png"), accuracy(rows)));
        written.add(png(plots.resolve("samples.png"), samples(rows)));
        written.add(png(plots.resolve("reward.png"), rewards(rows)));
        if (rows.stream().anyMatch(IterationMetrics::trained)) written.add(png(plots.resolve("loss.png"), loss(rows)));
        Path html = dir.resolve("report.html");
        AtomicFiles.writeString(html, ReportHtml.render(title, rows, written.stream().map(p -> "plots/" + p.getFileName()).toList()));
        return new Written(html, written);
    }

    private static Path png(Path file, BufferedImage image) {
        Png.write(image, file);
        return file;
    }

    private static BufferedImage accuracy(List<IterationMetrics> rows) {
        LinePlot plot = new LinePlot("Held-out accuracy (pass@1)", "iteration", "pass@1").yRange(0, 1);
        double[] x = column(rows, IterationMetrics::iteration);
        plot.add(new LinePlot.Series("overall", x, column(rows, IterationMetrics::evalPass1)));
        for (String difficulty : keys(rows, IterationMetrics::evalPass1ByDifficulty))
            plot.add(new LinePlot.Series(difficulty, x,
                    column(rows, m -> m.evalPass1ByDifficulty().getOrDefault(difficulty, Double.NaN))));
        return plot.render(PLOT_WIDTH, PLOT_HEIGHT);
    }

    private static BufferedImage samples(List<IterationMetrics> rows) {
        return new BarPlot("Samples per iteration", "iteration", "samples", iterationLabels(rows))
                .add(new BarPlot.Series("generated", column(rows, IterationMetrics::samplesGenerated)))
                .add(new BarPlot.Series("correct", column(rows, IterationMetrics::samplesCorrect)))
                .add(new BarPlot.Series("selected (kept)", column(rows, IterationMetrics::samplesSelected)))
                .render(PLOT_WIDTH, PLOT_HEIGHT);
    }

    private static BufferedImage rewards(List<IterationMetrics> rows) {
        BoxPlot plot = new BoxPlot("Reward distribution", "iteration", "reward");
        for (IterationMetrics m : rows) {
            RewardStats r = m.reward();
            if (r.count() > 0)
                plot.add(new BoxPlot.Box(String.valueOf(m.iteration()), r.min(), r.q1(), r.median(), r.q3(), r.max(), r.mean()));
        }
        return plot.render(PLOT_WIDTH, PLOT_HEIGHT);
    }

    private static BufferedImage loss(List<IterationMetrics> rows) {
        return new LinePlot("Training loss", "iteration", "loss")
                .add(new LinePlot.Series("train loss", column(rows, IterationMetrics::iteration),
                        column(rows, IterationMetrics::trainLoss)))
                .render(PLOT_WIDTH, PLOT_HEIGHT);
    }

    static TreeSet<String> keys(List<IterationMetrics> rows, Function<IterationMetrics, Map<String, Double>> map) {
        TreeSet<String> keys = new TreeSet<>();
        for (IterationMetrics m : rows) keys.addAll(map.apply(m).keySet());
        return keys;
    }

    private static double[] column(List<IterationMetrics> rows, ToDoubleFunction<IterationMetrics> f) {
        return rows.stream().mapToDouble(f).toArray();
    }

    private static List<String> iterationLabels(List<IterationMetrics> rows) {
        return rows.stream().map(m -> String.format(Locale.ROOT, "%d", m.iteration())).toList();
    }
}
