package io.autodidact.store.plot;

import java.awt.BasicStroke;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Lines over a numeric x axis (iterations), one per named series, with markers and a legend. */
public final class LinePlot {

    /** One line; a NaN y leaves a gap (e.g. an iteration that was not evaluated). */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            Objects.requireNonNull(name, "series name must not be null");
            if (x.length != y.length)
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values but " + y.length + " y values");
            for (double v : x) if (!Double.isFinite(v)) throw new IllegalArgumentException("series '" + name + "' has a non-finite x " + v);
            x = x.clone();
            y = y.clone();
        }
    }

    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();
    private double yMin = Double.NaN, yMax = Double.NaN;

    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = Objects.requireNonNull(title, "title");
        this.xLabel = Objects.requireNonNull(xLabel, "xLabel");
        this.yLabel = Objects.requireNonNull(yLabel, "yLabel");
    }

    public LinePlot add(Series s) {
        series.add(Objects.requireNonNull(s, "series"));
        return this;
    }

    /** Fixes the y axis (e.g. 0..1 for rates) instead of fitting it to the data. */
    public LinePlot yRange(double min, double max) {
        if (!(max > min)) throw new IllegalArgumentException("yRange max (" + max + ") must exceed min (" + min + ")");
        this.yMin = min;
        this.yMax = max;
        return this;
    }

    public BufferedImage render(int width, int height) {
        double xlo = Double.POSITIVE_INFINITY, xhi = Double.NEGATIVE_INFINITY;
        double ylo = Double.POSITIVE_INFINITY, yhi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (double v : s.x()) { xlo = Math.min(xlo, v); xhi = Math.max(xhi, v); }
            for (double v : s.y()) if (Double.isFinite(v)) { ylo = Math.min(ylo, v); yhi = Math.max(yhi, v); }
        }
        if (xlo > xhi) { xlo = 0; xhi = 1; }
        if (ylo > yhi) { ylo = 0; yhi = 1; }
        Ticks xt = Ticks.integers(xlo, xhi, 8);
        Ticks yt = Double.isNaN(yMin) ? Ticks.covering(ylo, yhi, 5) : Ticks.covering(yMin, yMax, 5);
        Frame f = Frame.open(width, height, title, xLabel, yLabel, Frame.XAxis.numeric(xt), yt);
        Graphics2D g = f.g;
        List<Frame.LegendEntry> legend = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            g.setColor(Palette.color(i));
            g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            Path2D line = new Path2D.Double();
            boolean pen = false;
            for (int k = 0; k < s.x().length; k++) {
                if (!Double.isFinite(s.y()[k])) { pen = false; continue; }
                int px = f.px(s.x()[k]), py = f.py(s.y()[k]);
                if (pen) line.lineTo(px, py); else line.moveTo(px, py);
                pen = true;
                g.fillOval(px - 3, py - 3, 7, 7);
            }
            g.draw(line);
            legend.add(new Frame.LegendEntry(s.name(), Palette.color(i)));
        }
        f.legend(legend);
        return f.close();
    }
}
