package io.autodidact.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Multiplication of a number of up to {@code width} digits by one digit 2..9, with a scratchpad of one line per
 * digit. Difficulty is the number of digits of the multiplicand; the category is the multiplier ({@code x2} ..
 * {@code x9}), so a curriculum can tell the carry-heavy multipliers from the easy ones.
 *
 * <p>As in {@link AdditionTask}, the multiplicand is zero-padded and written least significant digit first, so
 * every output digit depends only on what is already written. For width 4, {@code 123 * 7} is the prompt
 * {@code 3210*7=} and the completion
 * <pre>
 * 3021
 * 2214
 * 1408
 * 0000
 * >16800</pre>
 * one line per digit position {@code a_i c_i t_i}: the multiplicand's digit, the carry in, and the two digits of
 * {@code a_i * m + c_i} (its tens are the next carry, its ones the product's digit); then {@code >} and the
 * product zero-padded to {@code width + 1} digits, reversed. The problem's answer is the plain product ({@code 861}).
 */
public final class MultiplicationTask extends GeneratedTask {
    public static final String NAME = "multiplication";
    public static final String ALPHABET = "0123456789*=>\n";
    public static final int DEFAULT_WIDTH = 6;
    /** The product of a 17-digit number and a digit still fits in a long. */
    public static final int MAX_WIDTH = 17;
    private static final int MIN_MULTIPLIER = 2;
    // The eval seed is fixed forever: eval sets must be the same in every run and version so results stay comparable.
    private static final Identity IDENTITY = new Identity(NAME, ALPHABET, multipliers(), "mul", 0x5EED_3A17_0000L, "%d-digit");

    private final int width;

    public MultiplicationTask(int width, DifficultyMix seedMix) {
        super(IDENTITY, sizeOption(NAME, "width", width, 1, MAX_WIDTH), seedMix);
        this.width = width;
    }

    /** About 2% of seed examples have 4..width digits, the rest 1..3. */
    public static DifficultyMix defaultSeedMix(int width) {
        return DifficultyMix.of(0.02, 3, width);
    }

    public int width() {
        return width;
    }

    /** The categories: the multipliers x2..x9. */
    private static List<String> multipliers() {
        List<String> out = new ArrayList<>();
        for (int m = MIN_MULTIPLIER; m <= 9; m++) out.add("x" + m);
        return out;
    }

    /** The digits after the last {@code >}, read least significant first, without leading zeros. */
    @Override
    public Optional<String> answerOf(String completion) {
        return digitsAfterLastMarker(completion).map(d -> stripLeadingZeros(new StringBuilder(d).reverse().toString()));
    }

    @Override
    Instance draw(SplitMix64 random, int digits) {
        long a = Digits.draw(random, digits);
        int m = random.between(MIN_MULTIPLIER, 9);
        return instance(a, m);
    }

    Instance instance(long a, int m) {
        String prompt = Digits.reversed(a, width) + "*" + m + "=";
        StringBuilder out = new StringBuilder(width * 5 + width + 2);
        long carry = 0;
        for (int i = 0; i < width; i++) {
            long ai = a / Digits.pow10(i) % 10;
            long t = ai * m + carry;
            out.append(ai).append(carry).append(t / 10).append(t % 10).append('\n');
            carry = t / 10;
        }
        out.append('>').append(Digits.reversed(a * m, width + 1));
        return new Instance(prompt, out.toString(), Long.toString(a * m), "x" + m);
    }
}
