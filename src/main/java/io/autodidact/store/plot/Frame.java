package io.autodidact.store.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * The furniture every chart shares: white canvas, title, plot area, axes with ticks and labels,
 * light grid, and a legend; plus the data-to-pixel mapping. Charts draw their marks in between.
 */
final class Frame {

    static final Color INK = new Color(0x33, 0x33, 0x33);
    private static final Color GRID = new Color(0xE6, 0xE6, 0xE6);
    private static final int LEFT = 70, RIGHT = 24, TOP = 64, BOTTOM = 56, LEGEND_Y = 46;

    record LegendEntry(String name, Color color) {}

    /** An x axis: its extent, where ticks go and how each is labelled (categories or numbers). */
    record XAxis(double min, double max, List<Double> ticks, DoubleFunction<String> labelOf) {
        static XAxis numeric(Ticks t) {
            return new XAxis(t.min(), t.max(), t.values(), t::label);
        }

        /** Categories at 0..n-1 with half a slot of margin either side, so outer bars stay inside the axes. */
        static XAxis categories(List<String> names) {
            List<Double> ticks = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) ticks.add((double) i);
            return new XAxis(-0.5, Math.max(1, names.size()) - 0.5, ticks, v -> names.get((int) Math.round(v)));
        }
    }

    final BufferedImage image;
    final Graphics2D g;
    private final int x0, y0, x1, y1;
    private final XAxis xAxis;
    private final Ticks yTicks;

    private Frame(BufferedImage image, XAxis xAxis, Ticks yTicks) {
        this.image = image;
        this.g = image.createGraphics();
        this.x0 = LEFT;
        this.x1 = image.getWidth() - RIGHT;
        this.y0 = image.getHeight() - BOTTOM;
        this.y1 = TOP;
        this.xAxis = xAxis;
        this.yTicks = yTicks;
    }

    /** Draws title, grid and axes; the chart then draws its marks and closes the frame. */
    static Frame open(int width, int height, String title, String xLabel, String yLabel, XAxis xAxis, Ticks yTicks) {
        if (width < 200 || height < 150)
            throw new IllegalArgumentException("plot size must be at least 200x150 pixels, got " + width + "x" + height);
        Headless.ensure();
        Frame f = new Frame(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), xAxis, yTicks);
        Graphics2D g = f.g;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.setColor(INK);
        centered(g, title, width / 2, 26);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (double v : yTicks.values()) {
            int y = f.py(v);
            g.setColor(GRID);
            g.drawLine(f.x0, y, f.x1, y);
            g.setColor(INK);
            g.drawLine(f.x0 - 4, y, f.x0, y);
            String label = yTicks.label(v);
            g.drawString(label, f.x0 - 7 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
        }
        int lastRight = Integer.MIN_VALUE;
        for (double v : xAxis.ticks()) {
            int x = f.px(v);
            g.drawLine(x, f.y0, x, f.y0 + 4);
            String label = xAxis.labelOf().apply(v);
            int left = x - fm.stringWidth(label) / 2;
            if (left > lastRight + 4) { // skip labels that would overlap their neighbour
                g.drawString(label, left, f.y0 + 6 + fm.getAscent());
                lastRight = left + fm.stringWidth(label);
            }
        }
        g.setStroke(new BasicStroke(1.2f));
        g.drawLine(f.x0, f.y0, f.x1, f.y0);
        g.drawLine(f.x0, f.y0, f.x0, f.y1);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        centered(g, xLabel, (f.x0 + f.x1) / 2, height - 14);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        centered(g, yLabel, -(f.y0 + f.y1) / 2, 18);
        g.setTransform(saved);
        return f;
    }

    int px(double x) {
        return (int) Math.round(x0 + (x - xAxis.min()) / (xAxis.max() - xAxis.min()) * (x1 - x0));
    }

    int py(double y) {
        return (int) Math.round(y0 - (y - yTicks.min()) / (yTicks.max() - yTicks.min()) * (y0 - y1));
    }

    /** Pixels per x unit: how wide a bar or box may be. */
    double xScale() {
        return (x1 - x0) / (xAxis.max() - xAxis.min());
    }

    /** A one-row legend between the title and the plot area, so it never hides data. */
    void legend(List<LegendEntry> entries) {
        if (entries.isEmpty()) return;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        int gap = 18, swatch = 16;
        int total = -gap;
        for (LegendEntry e : entries) total += swatch + 6 + fm.stringWidth(e.name()) + gap;
        int x = Math.max(x0, (x0 + x1 - total) / 2);
        int cy = LEGEND_Y;
        for (LegendEntry e : entries) {
            g.setColor(e.color());
            g.fillRect(x, cy - 4, swatch, 8);
            g.setColor(INK);
            g.drawString(e.name(), x + swatch + 6, cy + fm.getAscent() / 2 - 1);
            x += swatch + 6 + fm.stringWidth(e.name()) + gap;
        }
    }

    BufferedImage close() {
        g.dispose();
        return image;
    }

    private static void centered(Graphics2D g, String text, int cx, int baseline) {
        g.drawString(text, cx - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }
}
