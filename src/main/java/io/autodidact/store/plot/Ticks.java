package io.autodidact.store.plot;

import java.util.ArrayList;
import java.util.List;

/** "Nice" axis ticks (1, 2, 2.5, 5 × 10^n steps) covering a range, as people draw them by hand. */
record Ticks(double min, double max, double step) {

    static Ticks covering(double lo, double hi, int target) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double rough = (hi - lo) / Math.max(1, target);
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        double step = magnitude * 10;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= rough) {
                step = m * magnitude;
                break;
            }
        }
        return new Ticks(Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step, step);
    }

    /** Integer-valued ticks (iterations): never a fractional step. */
    static Ticks integers(double lo, double hi, int target) {
        Ticks t = covering(lo, hi, target);
        return t.step >= 1 ? t : new Ticks(Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1), 1);
    }

    List<Double> values() {
        List<Double> values = new ArrayList<>();
        int n = (int) Math.round((max - min) / step);
        for (int i = 0; i <= n; i++) values.add(min + i * step);
        return values;
    }

    String label(double v) {
        if (Math.abs(v) < step * 1e-6) return "0";
        if (step >= 1 && Math.abs(v) < 1e7) return String.valueOf(Math.round(v));
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) + 1e-9));
        if (step * Math.pow(10, decimals) % 1 > 1e-6) decimals++;
        return String.format("%." + decimals + "f", v);
    }
}
