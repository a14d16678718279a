package io.autodidact.loop;

/** Linear warmup then cosine decay to 10% of the peak, the schedule of most LLM fine-tuning recipes. */
public record LrSchedule(double peak, int warmupSteps, int totalSteps) {
    public LrSchedule {
        if (!(peak >= 0)) throw new IllegalArgumentException("lr must be >= 0, got " + peak);
        if (warmupSteps < 0 || totalSteps < 0) throw new IllegalArgumentException("steps must be >= 0");
    }

    public double at(int step) {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        if (totalSteps <= warmupSteps) return peak;
        double progress = Math.min(1.0, (step - warmupSteps) / (double) (totalSteps - warmupSteps));
        return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
