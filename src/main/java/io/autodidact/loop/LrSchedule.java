package io.autodidact.loop;

import java.util.List;

/**
 * Learning rate by optimizer step. All three warm up linearly over {@code warmupSteps}; then
 * {@code cosine} decays to 10% of the peak by the last step (most LLM fine-tuning recipes),
 * {@code constant} holds the peak, and {@code wsd} (warmup-stable-decay, as in MiniCPM) holds the peak
 * and decays linearly to 10% over the last {@code decayFraction} of the steps.
 */
public record LrSchedule(Kind kind, double peak, int warmupSteps, int totalSteps, double decayFraction) {
    public enum Kind { COSINE, CONSTANT, WSD }

    public static final List<String> NAMES = List.of("cosine", "constant", "wsd");
    private static final double FLOOR = 0.1;

    public LrSchedule {
        if (!(peak >= 0)) throw new IllegalArgumentException("lr must be >= 0, got " + peak);
        if (warmupSteps < 0 || totalSteps < 0) throw new IllegalArgumentException("warmup and total steps must be >= 0");
        if (!(decayFraction > 0 && decayFraction <= 1)) throw new IllegalArgumentException("decay fraction must be in (0, 1], got " + decayFraction);
    }

    public LrSchedule(double peak, int warmupSteps, int totalSteps) {
        this(Kind.COSINE, peak, warmupSteps, totalSteps, 0.2);
    }

    /** {@code cosine}, {@code constant} or {@code wsd}; a config error naming {@code field} otherwise. */
    public static Kind kind(String name, String field) {
        return switch (name) {
            case "cosine" -> Kind.COSINE;
            case "constant" -> Kind.CONSTANT;
            case "wsd" -> Kind.WSD;
            default -> throw ConfigMap.error(field, "unknown schedule \"" + name + "\"; use one of " + NAMES);
        };
    }

    public double at(int step) {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        return switch (kind) {
            case CONSTANT -> peak;
            case COSINE -> {
                if (totalSteps <= warmupSteps) yield peak;
                double progress = Math.min(1.0, (step - warmupSteps) / (double) (totalSteps - warmupSteps));
                yield peak * (FLOOR + (1 - FLOOR) * 0.5 * (1 + Math.cos(Math.PI * progress)));
            }
            case WSD -> {
                int decaySteps = (int) Math.ceil(totalSteps * decayFraction);
                int decayStart = Math.max(warmupSteps, totalSteps - decaySteps);
                if (step < decayStart || totalSteps <= decayStart) yield peak;
                double progress = Math.min(1.0, (step - decayStart + 1) / (double) (totalSteps - decayStart));
                yield peak * (1 - (1 - FLOOR) * progress);
            }
        };
    }
}
