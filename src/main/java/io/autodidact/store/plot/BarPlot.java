package io.autodidact.store.plot;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Grouped bars: one group per category (iteration), one bar per named series within a group. */
public final class BarPlot {

    /** One bar per category, in category order. */
    public record Series(String name, double[] values) {
        public Series {
            Objects.requireNonNull(name, "series name must not be null");
            for (double v : values)
                if (!Double.isFinite(v)) throw new IllegalArgumentException("bar series '" + name + "' has a non-finite value " + v);
            values = values.clone();
        }
    }

    private final String title, xLabel, yLabel;
    private final List<String> categories;
    private final List<Series> series = new ArrayList<>();

    public BarPlot(String title, String xLabel, String yLabel, List<String> categories) {
        this.title = Objects.requireNonNull(title, "title");
        this.xLabel = Objects.requireNonNull(xLabel, "xLabel");
        this.yLabel = Objects.requireNonNull(yLabel, "yLabel");
        this.categories = List.copyOf(categories);
    }

    public BarPlot add(Series s) {
        if (s.values().length != categories.size())
            throw new IllegalArgumentException("bar series '" + s.name() + "' has " + s.values().length + " values for "
                    + categories.size() + " categories");
        series.add(s);
        return this;
    }

    public BufferedImage render(int width, int height) {
        double lo = 0, hi = 0;
        for (Series s : series) for (double v : s.values()) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        Frame f = Frame.open(width, height, title, xLabel, yLabel, Frame.XAxis.categories(categories),
                Ticks.covering(lo, hi == lo ? lo + 1 : hi, 5));
        double slot = f.xScale() * 0.8;
        double barWidth = slot / Math.max(1, series.size());
        List<Frame.LegendEntry> legend = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            f.g.setColor(Palette.color(s));
            for (int c = 0; c < categories.size(); c++) {
                double v = series.get(s).values()[c];
                int left = (int) Math.round(f.px(c) - slot / 2 + s * barWidth);
                int top = f.py(Math.max(v, 0)), bottom = f.py(Math.min(v, 0));
                f.g.fillRect(left, top, Math.max(1, (int) Math.floor(barWidth) - 1), Math.max(1, bottom - top));
            }
            legend.add(new Frame.LegendEntry(series.get(s).name(), Palette.color(s)));
        }
        if (series.size() > 1) f.legend(legend);
        return f.close();
    }
}
