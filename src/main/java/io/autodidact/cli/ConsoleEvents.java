package io.autodidact.cli;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Stage;
import java.io.PrintStream;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars (with rate and ETA) for long stages, and one table row per finished iteration. Two stages can run at
 * once (with {@code generate.max_staleness} of 1 or more later iterations generate while this one trains): the bar follows the
 * stage that started last, and events of the other are not drawn.
 */
final class ConsoleEvents implements LoopEvents {
    private final PrintStream out;
    private ProgressBar bar;
    private int barIteration;
    private Stage barStage;
    private boolean headerPrinted;

    ConsoleEvents(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void stageStarted(int iteration, Stage stage, long total, String unit) {
        closeBar();
        if (total <= 0) return;
        barIteration = iteration;
        barStage = stage;
        bar = new ProgressBarBuilder()
                .setTaskName(String.format("iter %d %-9s", iteration, stage.name().toLowerCase()))
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .setMaxRenderedLength(110)
                .continuousUpdate()
                .build();
    }

    @Override
    public synchronized void progress(int iteration, Stage stage, long done) {
        if (showing(iteration, stage)) bar.stepTo(done);
    }

    @Override
    public synchronized void stageFinished(int iteration, Stage stage, double seconds) {
        if (showing(iteration, stage)) closeBar();
    }

    private boolean showing(int iteration, Stage stage) {
        return bar != null && barIteration == iteration && barStage == stage;
    }

    @Override
    public synchronized void iterationFinished(IterationMetrics m) {
        closeBar();
        if (!headerPrinted) {
            out.printf("%n%4s  %6s  %-44s %8s %8s %8s %7s%n", "iter", "pass@1", "pass@1 by difficulty", "correct", "selected", "loss", "secs");
            headerPrinted = true;
        }
        StringBuilder by = new StringBuilder();
        for (Map.Entry<String, Double> e : m.evalPass1ByDifficulty().entrySet())
            by.append(String.format("%s:%3.0f ", e.getKey(), 100 * e.getValue()));
        double secs = m.stageSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
        out.printf("%4d  %5.1f%%  %-44s %8d %8d %8s %7.1f%n", m.iteration(), 100 * m.evalPass1(), by.toString().trim(),
                m.samplesCorrect(), m.samplesSelected(), m.trained() ? String.format("%.4f", m.trainLoss()) : "-", secs);
        out.flush();
    }

    @Override
    public synchronized void message(String text) {
        closeBar();
        out.println(text);
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
