package io.autodidact.store;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.store.plot.LinePlot;
import io.autodidact.store.plot.Png;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * One HTML page comparing runs side by side (recipes, seeds, or the arms of a reproduction): the
 * headline accuracy and each eval set's accuracy by iteration, samples kept, the reward mean and every
 * recipe control a run logged, one line per run on shared axes. Like {@link Report}, the page uses no
 * external scripts or styles; charts are PNGs under {@code plots/} next to it.
 */
public final class ComparisonReport {

    /**
     * One run on the page.
     *
     * @param label    the line's name in every chart
     * @param recipe   the recipe that ran, for the table
     * @param headline eval sets whose mean is the run's headline accuracy (empty = every set)
     * @param metrics  one row per finished iteration
     */
    public record Arm(String label, String recipe, List<String> headline, List<IterationMetrics> metrics) {
        public Arm {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(recipe, "recipe");
            headline = List.copyOf(headline);
            metrics = metrics.stream().sorted((a, b) -> Integer.compare(a.iteration(), b.iteration())).toList();
        }

        /** The mean pass@1 over the headline sets (all sets when none are named or none were measured). */
        public double headlineAccuracy(IterationMetrics m) {
            List<Double> values = headline.stream().map(m.evalPass1ByDifficulty()::get).filter(Objects::nonNull).toList();
            return values.isEmpty() ? m.evalPass1() : values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        }

        /** An arm for a run directory, labelled with its id (or {@code label} when given). */
        @SuppressWarnings("unchecked")
        public static Arm of(RunDirectory run, String label) {
            Map<String, Object> config = run.readRunConfig();
            String recipe = config.get("recipe") instanceof Map<?, ?> r && r.get("name") != null ? String.valueOf(r.get("name")) : "?";
            List<String> headline = List.of();
            if (config.get("eval") instanceof Map<?, ?> e && e.get("headline") instanceof List<?> h)
                headline = ((List<Object>) h).stream().map(String::valueOf).toList();
            return new Arm(label == null ? run.runId() : label, recipe, headline, run.metrics().read());
        }
    }

    private ComparisonReport() {}

    /** Writes {@code dir/report.html} and {@code dir/plots/*.png}; {@code notes} is trusted HTML placed under the title. */
    public static Report.Written write(Path dir, String title, List<Arm> arms, String notes) {
        if (arms.isEmpty()) throw new IllegalArgumentException("a comparison needs at least one run");
        Set<String> labels = new LinkedHashSet<>();
        for (Arm a : arms)
            if (!labels.add(a.label())) throw new IllegalArgumentException("two runs share the label \"" + a.label() + "\"; give distinct labels");
        Path plots = dir.resolve("plots");
        List<Path> written = new ArrayList<>();
        written.add(plot(plots.resolve("headline.png"), "Held-out accuracy (headline sets)", "pass@1", true, arms, a -> a::headlineAccuracy));
        for (String set : keys(arms, IterationMetrics::evalPass1ByDifficulty))
            written.add(plot(plots.resolve("accuracy-" + fileSafe(set) + ".png"), "Held-out pass@1, set " + set, "pass@1", true, arms,
                    a -> m -> m.evalPass1ByDifficulty().getOrDefault(set, Double.NaN)));
        written.add(plot(plots.resolve("selected.png"), "Samples kept for training", "samples", false, arms,
                a -> m -> m.iteration() == 0 ? Double.NaN : m.samplesSelected()));
        written.add(plot(plots.resolve("reward.png"), "Mean reward of the iteration's samples", "reward", false, arms,
                a -> m -> m.reward().count() == 0 ? Double.NaN : m.reward().mean()));
        for (String control : keys(arms, IterationMetrics::extra))
            written.add(plot(plots.resolve("control-" + fileSafe(control) + ".png"), control, control, false, arms,
                    a -> m -> m.extra().getOrDefault(control, Double.NaN)));
        Path html = dir.resolve("report.html");
        AtomicFiles.writeString(html, html(title, arms, notes, written.stream().map(p -> "plots/" + p.getFileName()).toList()));
        return new Report.Written(html, written);
    }

    private interface Column {
        ToDoubleFunction<IterationMetrics> of(Arm arm);
    }

    private static Path plot(Path file, String title, String yLabel, boolean rate, List<Arm> arms, Column column) {
        LinePlot plot = new LinePlot(title, "iteration", yLabel);
        if (rate) plot.yRange(0, 1);
        for (Arm a : arms) {
            ToDoubleFunction<IterationMetrics> f = column.of(a);
            plot.add(new LinePlot.Series(a.label(), a.metrics().stream().mapToDouble(IterationMetrics::iteration).toArray(),
                    a.metrics().stream().mapToDouble(f).toArray()));
        }
        Png.write(plot.render(Report.PLOT_WIDTH, Report.PLOT_HEIGHT), file);
        return file;
    }

    private static TreeSet<String> keys(List<Arm> arms, java.util.function.Function<IterationMetrics, Map<String, Double>> map) {
        TreeSet<String> keys = new TreeSet<>();
        for (Arm a : arms) keys.addAll(Report.keys(a.metrics(), map));
        return keys;
    }

    private static String fileSafe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String html(String title, List<Arm> arms, String notes, List<String> plots) {
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(ReportHtml.escape(title))
                .append("</title>\n<style>").append(ReportHtml.STYLE).append("</style></head><body>\n");
        h.append("<h1>").append(ReportHtml.escape(title)).append("</h1>\n");
        if (!notes.isBlank()) h.append(notes).append('\n');
        h.append("<h2>Runs</h2>\n<table><thead><tr><th>run</th><th>recipe</th><th>iterations</th><th>first pass@1</th>"
                + "<th>last pass@1</th><th>gain</th><th>best</th><th>samples generated</th><th>samples kept</th></tr></thead><tbody>\n");
        for (Arm a : arms) {
            List<IterationMetrics> m = a.metrics();
            h.append("<tr><td>").append(ReportHtml.escape(a.label())).append("</td><td>").append(ReportHtml.escape(a.recipe()))
                    .append("</td><td>").append(m.isEmpty() ? 0 : m.getLast().iteration()).append("</td>");
            if (m.isEmpty()) {
                h.append("<td colspan=\"6\">no iteration has finished</td>");
            } else {
                double first = a.headlineAccuracy(m.getFirst()), last = a.headlineAccuracy(m.getLast());
                double best = m.stream().mapToDouble(a::headlineAccuracy).max().orElseThrow();
                h.append(td(pct(first))).append(td(pct(last))).append(td(String.format(Locale.ROOT, "%+.1f", 100 * (last - first))))
                        .append(td(pct(best)))
                        .append(td(String.valueOf(m.stream().mapToLong(IterationMetrics::samplesGenerated).sum())))
                        .append(td(String.valueOf(m.stream().mapToLong(IterationMetrics::samplesSelected).sum())));
            }
            h.append("</tr>\n");
        }
        h.append("</tbody></table>\n<h2>Charts</h2>\n");
        for (String p : plots) h.append("<img src=\"").append(ReportHtml.escape(p)).append("\" alt=\"").append(ReportHtml.escape(p)).append("\">\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String td(String s) {
        return "<td>" + ReportHtml.escape(s) + "</td>";
    }

    private static String pct(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * rate);
    }
}
