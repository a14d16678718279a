package io.autodidact.store.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One box-and-whisker per category (iteration): min, quartiles, median and max, with the mean as a dot. */
public final class BoxPlot {

    /** A five-number summary plus mean, labelled with its category. */
    public record Box(String label, double min, double q1, double median, double q3, double max, double mean) {
        public Box {
            Objects.requireNonNull(label, "box label must not be null");
            if (!(min <= q1 && q1 <= median && median <= q3 && q3 <= max))
                throw new IllegalArgumentException("box '" + label + "' must satisfy min <= q1 <= median <= q3 <= max");
            if (!Double.isFinite(min) || !Double.isFinite(max) || !Double.isFinite(mean))
                throw new IllegalArgumentException("box '" + label + "' must be finite");
        }
    }

    private final String title, xLabel, yLabel;
    private final List<Box> boxes = new ArrayList<>();

    public BoxPlot(String title, String xLabel, String yLabel) {
        this.title = Objects.requireNonNull(title, "title");
        this.xLabel = Objects.requireNonNull(xLabel, "xLabel");
        this.yLabel = Objects.requireNonNull(yLabel, "yLabel");
    }

    public BoxPlot add(Box box) {
        boxes.add(Objects.requireNonNull(box, "box"));
        return this;
    }

    public BufferedImage render(int width, int height) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Box b : boxes) { lo = Math.min(lo, b.min()); hi = Math.max(hi, b.max()); }
        if (lo > hi) { lo = 0; hi = 1; }
        Frame f = Frame.open(width, height, title, xLabel, yLabel,
                Frame.XAxis.categories(boxes.stream().map(Box::label).toList()), Ticks.covering(lo, hi, 5));
        int half = (int) Math.max(2, Math.min(30, f.xScale() * 0.3));
        Color fill = Palette.color(0);
        for (int i = 0; i < boxes.size(); i++) {
            Box b = boxes.get(i);
            int x = f.px(i);
            f.g.setColor(Frame.INK);
            f.g.setStroke(new BasicStroke(1.2f));
            f.g.drawLine(x, f.py(b.min()), x, f.py(b.q1()));
            f.g.drawLine(x, f.py(b.q3()), x, f.py(b.max()));
            f.g.drawLine(x - half / 2, f.py(b.min()), x + half / 2, f.py(b.min()));
            f.g.drawLine(x - half / 2, f.py(b.max()), x + half / 2, f.py(b.max()));
            int top = f.py(b.q3()), bottom = f.py(b.q1());
            f.g.setColor(new Color(fill.getRed(), fill.getGreen(), fill.getBlue(), 110));
            f.g.fillRect(x - half, top, 2 * half, Math.max(1, bottom - top));
            f.g.setColor(fill.darker());
            f.g.drawRect(x - half, top, 2 * half, Math.max(1, bottom - top));
            f.g.setStroke(new BasicStroke(2.4f));
            f.g.drawLine(x - half, f.py(b.median()), x + half, f.py(b.median()));
            f.g.setColor(Palette.color(1));
            f.g.fillOval(x - 3, f.py(b.mean()) - 3, 7, 7);
        }
        f.legend(List.of(new Frame.LegendEntry("quartiles, median", fill), new Frame.LegendEntry("mean", Palette.color(1))));
        return f.close();
    }
}
