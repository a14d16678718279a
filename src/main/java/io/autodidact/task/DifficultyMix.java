package io.autodidact.task;

/**
 * The mix of difficulties in a task's labelled seed examples: most are easy ({@code 1..easyMax}) and a fraction
 * {@code hardFraction} are hard ({@code hardMin..hardMax}). A few hard examples give the base policy a small
 * success rate on hard problems, which self-training needs to have anything to keep, while leaving it room to
 * improve.
 */
public record DifficultyMix(double hardFraction, int easyMax, int hardMin, int hardMax) {
    public DifficultyMix {
        if (!(hardFraction >= 0 && hardFraction <= 1))
            throw new IllegalArgumentException("option \"seed_hard_fraction\" must be in [0, 1], got " + hardFraction);
        if (easyMax < 1) throw new IllegalArgumentException("option \"seed_easy_max\" must be >= 1, got " + easyMax);
        if (hardMin < 1 || hardMin > hardMax)
            throw new IllegalArgumentException("options \"seed_hard_min\" and \"seed_hard_max\" must satisfy 1 <= min <= max, got "
                    + hardMin + ".." + hardMax);
    }

    /** Hard examples at {@code easyMax + 1..maxDifficulty} (or at maxDifficulty when easyMax covers it). */
    public static DifficultyMix of(double hardFraction, int easyMax, int maxDifficulty) {
        int easy = Math.min(easyMax, maxDifficulty);
        return new DifficultyMix(hardFraction, easy, Math.min(easy + 1, maxDifficulty), maxDifficulty);
    }

    /** Refuses a mix that names difficulties the task does not have. */
    DifficultyMix within(String task, int maxDifficulty) {
        if (easyMax > maxDifficulty || hardMax > maxDifficulty)
            throw new IllegalArgumentException("seed mix of task \"" + task + "\" names difficulty "
                    + Math.max(easyMax, hardMax) + " but the task's difficulties run 1.." + maxDifficulty
                    + "; lower seed_easy_max / seed_hard_max or raise the task's size option");
        return this;
    }

    /** {@code round(count * hardFraction)} hard difficulties and the rest easy, uniform within each range, shuffled. */
    int[] draw(int count, SplitMix64 random) {
        int hard = (int) Math.round(count * hardFraction);
        boolean[] isHard = new boolean[count];
        for (int i = 0; i < hard; i++) isHard[i] = true;
        for (int i = count - 1; i > 0; i--) {
            int j = (int) random.below(i + 1);
            boolean t = isHard[i];
            isHard[i] = isHard[j];
            isHard[j] = t;
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) out[i] = isHard[i] ? random.between(hardMin, hardMax) : random.between(1, easyMax);
        return out;
    }
}
