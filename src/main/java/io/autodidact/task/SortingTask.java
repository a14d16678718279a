package io.autodidact.task;

import java.util.List;
import java.util.Optional;

/**
 * Sorting a list of digits, with a counting scratchpad: first how many times each digit 0..9 occurs, then the
 * sorted list. Difficulty {@code d} is a list of {@code d + 1} digits (a list of one is already sorted, and its
 * ten prompts leave no held-out pool). The category is {@code distinct} (no digit twice: every count is 0 or 1)
 * or {@code repeats} (digits drawn with replacement: the counts must really be counted).
 *
 * <p>{@code 3 1 4 1 5} is the prompt {@code 31415=} and the completion
 * <pre>
 * 0210110000
 * >11345</pre>
 * the ten counts, then {@code >} and the sorted digits, which are the problem's answer ({@code 11345}).
 */
public final class SortingTask extends GeneratedTask {
    public static final String NAME = "sorting";
    public static final String ALPHABET = "0123456789=>\n";
    public static final int DEFAULT_MAX_LENGTH = 8;
    /** Counts stay single digits. */
    public static final int MAX_LENGTH = 9;
    private static final List<String> CATEGORIES = List.of("distinct", "repeats");
    // The eval seed is fixed forever: eval sets must be the same in every run and version so results stay comparable.
    private static final Identity IDENTITY = new Identity(NAME, ALPHABET, CATEGORIES, "sort", 0x5EED_5027_0000L, "level-%d");

    public SortingTask(int maxLength, DifficultyMix seedMix) {
        super(IDENTITY, sizeOption(NAME, "max_length", maxLength, 2, MAX_LENGTH) - 1, seedMix);
    }

    /** Half a percent of seed examples have 5..max digits, the rest 2..4 (difficulties 1..3): the counting scratchpad generalizes to longer lists, so more would leave self-training little to do. */
    public static DifficultyMix defaultSeedMix(int maxLength) {
        return DifficultyMix.of(0.005, 3, maxLength - 1);
    }

    /** The digits after the last {@code >}, as written: leading zeros are list elements. */
    @Override
    public Optional<String> answerOf(String completion) {
        return digitsAfterLastMarker(completion);
    }

    @Override
    Instance draw(SplitMix64 random, int difficulty) {
        int length = difficulty + 1;
        boolean distinct = random.below(2) == 0;
        int[] digits = new int[length];
        if (distinct) {
            int[] pool = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
            for (int i = 0; i < length; i++) {
                int j = i + (int) random.below(10 - i);
                int t = pool[i];
                pool[i] = pool[j];
                pool[j] = t;
                digits[i] = pool[i];
            }
        } else {
            for (int i = 0; i < length; i++) digits[i] = (int) random.below(10);
        }
        int[] counts = new int[10];
        StringBuilder prompt = new StringBuilder(length + 1);
        for (int d : digits) {
            counts[d]++;
            prompt.append(d);
        }
        StringBuilder sorted = new StringBuilder(length);
        StringBuilder completion = new StringBuilder(10 + 2 + length);
        for (int v = 0; v < 10; v++) {
            completion.append(counts[v]);
            sorted.append(String.valueOf(v).repeat(counts[v]));
        }
        completion.append("\n>").append(sorted);
        return new Instance(prompt.append('=').toString(), completion.toString(), sorted.toString(),
                distinct ? "distinct" : "repeats");
    }
}
