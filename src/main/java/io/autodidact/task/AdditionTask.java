package io.autodidact.task;

import io.autodidact.loop.Demonstration;
import io.autodidact.loop.Mistakes;
import io.autodidact.loop.Problem;
import io.autodidact.reward.Reward;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Addition of two non-negative integers of up to {@code width} digits, with a scratchpad: the task the demo
 * self-trains on. The format is fixed because the engine's character tokenizer and the demo rely on it.
 *
 * <p>Operands are zero-padded to the width and written least significant digit first, so that each
 * output digit depends only on digits already seen. For width 6, {@code 123 + 45} is the prompt
 * {@code 321000+540000=} and the completion
 * <pre>
 * 3580
 * 2460
 * 1010
 * 0000
 * 0000
 * 0000
 * >8610000</pre>
 * one line per digit position {@code a_i b_i s_i c_i} (the digits, the sum digit, the carry out), then
 * {@code >} and the sum zero-padded to {@code width + 1} digits, reversed. The problem's answer is the plain
 * sum ({@code 168}). A problem's difficulty is the number of digits of its larger operand: the first operand
 * has exactly that many digits, the second 1 to that many.
 *
 * <p>Held-out rule: a pair {@code (a, b)} belongs to the evaluation pool when
 * {@code hash(hash(a) + b) mod 16 == 0} ({@link #heldOut}), about one pair in sixteen whatever the width
 * or seed. Training problems and seed examples never use such a pair; eval sets use only such pairs.
 */
public final class AdditionTask implements BuiltInTask {
    public static final String NAME = "addition";
    /** Every character that can appear in a prompt or completion. */
    public static final String ALPHABET = "0123456789+=>\n";
    public static final int DEFAULT_WIDTH = 6;
    /** The sum of two 18-digit numbers still fits in a long. */
    public static final int MAX_WIDTH = 18;

    private static final int HELD_OUT_MODULUS = 16;
    // Fixed forever: eval sets must be the same in every run and version so results stay comparable.
    private static final long EVAL_SEED = 0x5EED_ADD0_0000L;
    // Above this many pairs, the held-out pool is too big to count and is treated as inexhaustible.
    private static final long ENUMERABLE_PAIRS = 1_000_000;

    /**
     * The mix of difficulties in seed examples: most have 1..{@code shortMax} digits and a fraction
     * {@code longFraction} have {@code longMin..longMax}. A few long examples give the base policy a
     * non-zero success rate on long sums, which STaR needs to have anything to keep.
     */
    public record SeedMix(double longFraction, int shortMax, int longMin, int longMax) {
        public SeedMix {
            if (!(longFraction >= 0 && longFraction <= 1))
                throw new IllegalArgumentException("seed long fraction must be in [0, 1], got " + longFraction);
            if (shortMax < 1) throw new IllegalArgumentException("seed short max digits must be >= 1, got " + shortMax);
            if (longMin < 1 || longMin > longMax)
                throw new IllegalArgumentException("seed long digits must satisfy 1 <= long min <= long max, got "
                        + longMin + ".." + longMax);
        }

        /** About 1.5% long examples: enough signal for STaR without making the base too strong. */
        public static SeedMix defaults(int width) {
            int shortMax = Math.min(3, width);
            return new SeedMix(0.015, shortMax, Math.min(shortMax + 1, width), width);
        }
    }

    private final int width;
    private final SeedMix seedMix;
    private final AdditionVerifier verifier = new AdditionVerifier();

    public AdditionTask(int width, SeedMix seedMix) {
        if (width < 1 || width > MAX_WIDTH)
            throw new IllegalArgumentException("addition width must be in 1.." + MAX_WIDTH + ", got " + width);
        this.width = width;
        this.seedMix = seedMix;
        checkDigits("seed short max", 1, seedMix.shortMax());
        checkDigits("seed long digits", seedMix.longMin(), seedMix.longMax());
    }

    public AdditionTask(int width) {
        this(width, SeedMix.defaults(width));
    }

    public AdditionTask() {
        this(DEFAULT_WIDTH);
    }

    public int width() {
        return width;
    }

    public SeedMix seedMix() {
        return seedMix;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String alphabet() {
        return ALPHABET;
    }

    @Override
    public int maxDifficulty() {
        return width;
    }

    @Override
    public Reward verifier() {
        return verifier;
    }

    @Override
    public List<String> categories() {
        return List.of(NAME);
    }

    /** The digits after the last {@code >}, read least significant first, without leading zeros. */
    @Override
    public Optional<String> answerOf(String completion) {
        return AdditionVerifier.answerOf(completion);
    }

    /** {@code reverse(zeroPad(a)) + "+" + reverse(zeroPad(b)) + "="}. */
    public String prompt(long a, long b) {
        checkOperand("a", a);
        checkOperand("b", b);
        return Digits.reversed(a, width) + "+" + Digits.reversed(b, width) + "=";
    }

    @Override
    public Optional<Mistakes> mistakes() {
        return Optional.of(this::withCarrySlip);
    }

    /**
     * The demonstration's solution with the slip a solver of this format makes: at one position, drawn uniformly, the
     * carry out is written wrong (dropped, or written where there is none), and every later line and the answer follow
     * from it as they would for a solver who believed it. The stated sum is off by 10^(position + 1), so always wrong.
     * Empty when the completion is not this task's scratchpad.
     */
    Optional<String> withCarrySlip(Demonstration d, RandomGenerator random) {
        String[] lines = d.completion().split("\n", -1);
        if (lines.length != width + 1 || !lines[width].startsWith(">")) return Optional.empty();
        int[] a = new int[width], b = new int[width];
        for (int i = 0; i < width; i++) {
            String line = lines[i];
            if (line.length() != 4 || !line.chars().allMatch(Character::isDigit)) return Optional.empty();
            a[i] = line.charAt(0) - '0';
            b[i] = line.charAt(1) - '0';
        }
        int slip = random.nextInt(width);
        StringBuilder out = new StringBuilder(d.completion().length()), answer = new StringBuilder(width + 2).append('>');
        int carry = 0;
        for (int i = 0; i < width; i++) {
            int total = a[i] + b[i] + carry;
            carry = total / 10;
            if (i == slip) carry = 1 - carry;
            out.append(a[i]).append(b[i]).append(total % 10).append(carry).append('\n');
            answer.append(total % 10);
        }
        return Optional.of(out.append(answer).append(carry).toString());
    }

    /** The full correct completion: the scratchpad and the reversed, padded sum (no end token). */
    public String solve(long a, long b) {
        checkOperand("a", a);
        checkOperand("b", b);
        StringBuilder out = new StringBuilder(width * 5 + width + 2);
        long carry = 0;
        for (int i = 0; i < width; i++) {
            long ai = a / Digits.pow10(i) % 10;
            long bi = b / Digits.pow10(i) % 10;
            long total = ai + bi + carry;
            carry = total / 10;
            out.append(ai).append(bi).append(total % 10).append(carry).append('\n');
        }
        return out.append('>').append(Digits.reversed(a + b, width + 1)).toString();
    }

    /**
     * The answer line first, then the prompt: {@code >8610000\n321000+540000=}. The completion ends with that same
     * line, so a policy that has seen hinted examples learns to write the scratchpad that leads to it.
     */
    @Override
    public Optional<String> hintedPrompt(String prompt, String answer) {
        long sum;
        try {
            sum = Long.parseLong(answer.trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (sum < 0 || sum >= Digits.pow10(width + 1)) return Optional.empty();
        return Optional.of(">" + Digits.reversed(sum, width + 1) + "\n" + prompt);
    }

    /** Seed examples drawn as {@link #seedExamples} draws them (another stream), each prompt carrying its answer as the hint. */
    @Override
    public List<SeedExample> hintedSeedExamples(int count, long seed) {
        List<SeedExample> out = new ArrayList<>(count);
        for (SeedExample e : seedExamples(count, seed ^ 0x5DEECE66DL)) {
            String answerLine = e.completion().substring(e.completion().lastIndexOf('>'));
            out.add(new SeedExample(answerLine + "\n" + e.prompt(), e.completion()));
        }
        return List.copyOf(out);
    }

    /** The problem {@code a + b}, with the plain sum as its answer and the operands in its metadata. */
    public Problem problem(String id, long a, long b) {
        int difficulty = Math.max(Digits.count(a), Digits.count(b));
        return new Problem(id, prompt(a, b), Optional.of(Long.toString(a + b)), Optional.of(NAME),
                OptionalDouble.of(difficulty), Map.of("a", Long.toString(a), "b", Long.toString(b)));
    }

    /** Whether {@code (a, b)} is reserved for evaluation (see the class comment for the rule). */
    public static boolean heldOut(long a, long b) {
        return Long.remainderUnsigned(SplitMix64.hash(SplitMix64.hash(a) + b), HELD_OUT_MODULUS) == 0;
    }

    /** Ids are {@code add-<seed>-<n>}; the same seed gives the same problems. */
    @Override
    public List<Problem> problems(int count, int minDigits, int maxDigits, long seed) {
        checkCount(count);
        checkDigits("problem digits", minDigits, maxDigits);
        SplitMix64 random = new SplitMix64(seed);
        List<Problem> problems = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            Pair pair = trainingPair(random, random.between(minDigits, maxDigits));
            problems.add(problem("add-" + seed + "-" + n, pair.a(), pair.b()));
        }
        return List.copyOf(problems);
    }

    /**
     * The fixed held-out set for one difficulty: the same {@code count} problems in every run (ids
     * {@code add-eval-<digits>-<n>}), all held out. Problems are distinct while the held-out pool lasts; the
     * pools are small for short sums (1 digit: 3 of 100 pairs; 2 digits: 552 of 9000), so larger sets cycle
     * through them again.
     */
    public List<Problem> evalSet(int digits, int count) {
        checkCount(count);
        checkDigits("eval digits", digits, digits);
        SplitMix64 random = new SplitMix64(EVAL_SEED + digits);
        long poolSize = heldOutPoolSize(digits);
        Set<Pair> used = new HashSet<>();
        List<Problem> problems = new ArrayList<>(count);
        while (problems.size() < count) {
            Pair pair = drawPair(random, digits);
            if (!heldOut(pair.a(), pair.b())) continue;
            if (used.size() == poolSize) used.clear();
            if (!used.add(pair)) continue;
            problems.add(problem("add-eval-" + digits + "-" + problems.size(), pair.a(), pair.b()));
        }
        return List.copyOf(problems);
    }

    /** One eval set per difficulty 1..width, named {@code <d>-digit}. */
    @Override
    public List<EvalSet> evalSets(int countPerSet) {
        List<EvalSet> sets = new ArrayList<>(width);
        for (int d = 1; d <= width; d++) sets.add(new EvalSet(d + "-digit", evalSet(d, countPerSet)));
        return List.copyOf(sets);
    }

    @Override
    public List<SeedExample> seedExamples(int count, long seed) {
        return seedExamples(count, seedMix.longFraction(), seedMix.shortMax(), seedMix.longMin(),
                seedMix.longMax(), seed);
    }

    /**
     * Labelled examples: {@code round(count * longFraction)} with {@code longMin..longMax} digits, the rest
     * with {@code 1..shortMax}, difficulty uniform within each range, in shuffled order; never held out.
     */
    public List<SeedExample> seedExamples(int count, double longFraction, int shortMax, int longMin, int longMax,
            long seed) {
        checkCount(count);
        SeedMix mix = new SeedMix(longFraction, shortMax, longMin, longMax);
        checkDigits("seed short max", 1, mix.shortMax());
        checkDigits("seed long digits", mix.longMin(), mix.longMax());
        SplitMix64 random = new SplitMix64(seed);
        int longCount = (int) Math.round(count * longFraction);
        boolean[] isLong = new boolean[count];
        for (int i = 0; i < longCount; i++) isLong[i] = true;
        for (int i = count - 1; i > 0; i--) {
            int j = (int) random.below(i + 1);
            boolean t = isLong[i];
            isLong[i] = isLong[j];
            isLong[j] = t;
        }
        List<SeedExample> examples = new ArrayList<>(count);
        for (boolean longOne : isLong) {
            int digits = longOne ? random.between(longMin, longMax) : random.between(1, shortMax);
            Pair pair = trainingPair(random, digits);
            examples.add(new SeedExample(prompt(pair.a(), pair.b()), solve(pair.a(), pair.b())));
        }
        return List.copyOf(examples);
    }

    private record Pair(long a, long b) {}

    private Pair trainingPair(SplitMix64 random, int digits) {
        while (true) {
            Pair pair = drawPair(random, digits);
            if (!heldOut(pair.a(), pair.b())) return pair;
        }
    }

    /** First operand with exactly {@code digits} digits, second with 1..digits digits. */
    private static Pair drawPair(SplitMix64 random, int digits) {
        long a = Digits.draw(random, digits);
        long b = Digits.draw(random, random.between(1, digits));
        return new Pair(a, b);
    }

    /** The number of held-out pairs of a difficulty when small enough to count, else Long.MAX_VALUE. */
    private static long heldOutPoolSize(int digits) {
        long firstCount = digits == 1 ? 10 : 9 * Digits.pow10(digits - 1);
        long secondCount = Digits.pow10(digits);
        if (firstCount > ENUMERABLE_PAIRS / secondCount) return Long.MAX_VALUE;
        long firstFrom = digits == 1 ? 0 : Digits.pow10(digits - 1);
        long size = 0;
        for (long a = firstFrom; a < firstFrom + firstCount; a++)
            for (long b = 0; b < secondCount; b++)
                if (heldOut(a, b)) size++;
        return size;
    }

    private void checkOperand(String name, long value) {
        if (value < 0 || value >= Digits.pow10(width))
            throw new IllegalArgumentException("operand " + name + " must be in 0.." + (Digits.pow10(width) - 1)
                    + " for width " + width + ", got " + value);
    }

    private void checkDigits(String what, int min, int max) {
        if (min < 1 || max > width || min > max)
            throw new IllegalArgumentException(what + " must satisfy 1 <= min <= max <= width " + width + ", got "
                    + min + ".." + max);
    }

    private static void checkCount(int count) {
        if (count < 0) throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
}
