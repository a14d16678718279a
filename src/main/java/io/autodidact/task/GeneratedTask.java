package io.autodidact.task;

import io.autodidact.loop.Problem;
import io.autodidact.reward.Reward;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * What the generated built-in tasks share: a task draws one worked problem at a difficulty ({@link #draw}); this
 * class turns draws into training problems, fixed held-out sets and seed examples, and keeps them apart.
 *
 * <p>Held-out rule: a problem belongs to the evaluation pool when the hash of its prompt is 0 mod 16
 * ({@link #heldOut}), about one prompt in sixteen whatever the seed. Training problems and seed examples never use
 * such a prompt; eval sets use only such prompts, drawn from a seed fixed per task and difficulty, so they are the
 * same in every run. Where the held-out pool of a difficulty is smaller than the set, the set cycles through it.
 */
abstract sealed class GeneratedTask implements BuiltInTask permits MultiplicationTask, ExpressionsTask, SortingTask {
    private static final int HELD_OUT_MODULUS = 16;
    // Consecutive repeats of known held-out prompts after which the pool counts as exhausted and the set cycles.
    private static final int EXHAUSTED_AFTER = 2_000;
    // Consecutive draws outside the held-out pool after which the pool counts as empty: a task design error.
    private static final int EMPTY_AFTER = 1_000_000;

    /**
     * What names a generated task and its problems.
     *
     * @param idPrefix the short prefix of problem ids, e.g. {@code mul}
     * @param evalSeed fixed forever: eval sets must be the same in every run and version so results stay comparable
     * @param evalSetFormat the name of the eval set of a difficulty, {@code %d} standing for it (no other digits), e.g. {@code %d-digit}
     */
    record Identity(String name, String alphabet, List<String> categories, String idPrefix, long evalSeed, String evalSetFormat) {
        Identity {
            categories = List.copyOf(categories);
        }
    }

    /** One worked problem: the prompt, the completion to imitate (scratchpad and final answer), the answer, the category. */
    record Instance(String prompt, String completion, String answer, String category) {
        Instance {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(completion, "completion");
            Objects.requireNonNull(answer, "answer");
            Objects.requireNonNull(category, "category");
        }
    }

    private final Identity identity;
    private final int maxDifficulty;
    private final DifficultyMix seedMix;
    private final Reward verifier;

    GeneratedTask(Identity identity, int maxDifficulty, DifficultyMix seedMix) {
        this.identity = identity;
        this.maxDifficulty = maxDifficulty;
        this.seedMix = seedMix.within(identity.name(), maxDifficulty);
        this.verifier = new FinalAnswerVerifier(identity.name(), this::answerOf);
    }

    /** {@code value} of the task's size option when it lies in {@code min..max}; otherwise an error naming the option and the range. */
    static int sizeOption(String task, String option, int value, int min, int max) {
        if (value < min || value > max)
            throw new IllegalArgumentException("option \"" + option + "\" of task \"" + task + "\" must be in " + min + ".." + max + ", got " + value);
        return value;
    }

    /** A random problem of exactly this difficulty (held out or not; the caller filters). */
    abstract Instance draw(SplitMix64 random, int difficulty);

    @Override
    public final String name() {
        return identity.name();
    }

    @Override
    public final String alphabet() {
        return identity.alphabet();
    }

    @Override
    public final List<String> categories() {
        return identity.categories();
    }

    @Override
    public final int maxDifficulty() {
        return maxDifficulty;
    }

    public final DifficultyMix seedMix() {
        return seedMix;
    }

    @Override
    public final Reward verifier() {
        return verifier;
    }

    /** Whether a prompt is reserved for evaluation (see the class comment). */
    static boolean heldOut(String prompt) {
        long h = 0;
        for (int i = 0; i < prompt.length(); i++) h = SplitMix64.hash(h + prompt.charAt(i));
        return Long.remainderUnsigned(h, HELD_OUT_MODULUS) == 0;
    }

    /** Ids are {@code <prefix>-<seed>-<n>}; the same seed gives the same problems. */
    @Override
    public final List<Problem> problems(int count, int minDifficulty, int maxDifficulty, long seed) {
        checkCount(count);
        checkDifficulties("problem difficulty", minDifficulty, maxDifficulty);
        SplitMix64 random = new SplitMix64(seed);
        List<Problem> problems = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int d = random.between(minDifficulty, maxDifficulty);
            problems.add(problem(identity.idPrefix() + "-" + seed + "-" + n, training(random, d), d));
        }
        return List.copyOf(problems);
    }

    /** The fixed held-out set of one difficulty (ids {@code <prefix>-eval-<difficulty>-<n>}). */
    public final List<Problem> evalSet(int difficulty, int count) {
        checkCount(count);
        checkDifficulties("eval difficulty", difficulty, difficulty);
        SplitMix64 random = new SplitMix64(identity.evalSeed() + difficulty);
        Set<String> used = new HashSet<>();
        List<Problem> problems = new ArrayList<>(count);
        int repeats = 0, outside = 0;
        while (problems.size() < count) {
            Instance i = draw(random, difficulty);
            if (!heldOut(i.prompt())) {
                if (++outside > EMPTY_AFTER)
                    throw new IllegalStateException("task " + name() + " found no held-out problem of difficulty " + difficulty);
                continue;
            }
            outside = 0;
            if (!used.add(i.prompt())) {
                if (++repeats > EXHAUSTED_AFTER) {
                    used.clear();
                    repeats = 0;
                }
                continue;
            }
            repeats = 0;
            problems.add(problem(identity.idPrefix() + "-eval-" + difficulty + "-" + problems.size(), i, difficulty));
        }
        return List.copyOf(problems);
    }

    @Override
    public final List<EvalSet> evalSets(int countPerSet) {
        List<EvalSet> sets = new ArrayList<>(maxDifficulty);
        for (int d = 1; d <= maxDifficulty; d++) sets.add(new EvalSet(identity.evalSetFormat().formatted(d), evalSet(d, countPerSet)));
        return List.copyOf(sets);
    }

    /** Labelled examples in the task's {@link DifficultyMix}, shuffled; never held out. */
    @Override
    public final List<SeedExample> seedExamples(int count, long seed) {
        checkCount(count);
        SplitMix64 random = new SplitMix64(seed);
        List<SeedExample> examples = new ArrayList<>(count);
        for (int d : seedMix.draw(count, random)) {
            Instance i = training(random, d);
            examples.add(new SeedExample(i.prompt(), i.completion()));
        }
        return List.copyOf(examples);
    }

    /** The worked completion of a problem of this task drawn at a difficulty: for tests and docs. */
    final Instance example(long seed, int difficulty) {
        checkDifficulties("difficulty", difficulty, difficulty);
        return training(new SplitMix64(seed), difficulty);
    }

    private Instance training(SplitMix64 random, int difficulty) {
        while (true) {
            Instance i = draw(random, difficulty);
            if (!heldOut(i.prompt())) return i;
        }
    }

    private Problem problem(String id, Instance i, int difficulty) {
        return new Problem(id, i.prompt(), Optional.of(i.answer()), Optional.of(i.category()), OptionalDouble.of(difficulty), Map.of());
    }

    private void checkDifficulties(String what, int min, int max) {
        if (min < 1 || max > maxDifficulty || min > max)
            throw new IllegalArgumentException(what + " must satisfy 1 <= min <= max <= " + maxDifficulty + " for task "
                    + name() + ", got " + min + ".." + max);
    }

    private static void checkCount(int count) {
        if (count < 0) throw new IllegalArgumentException("count must be >= 0, got " + count);
    }

    /** The digits that follow the last {@code >} in a completion, up to the first non-digit; empty when there are none. */
    static Optional<String> digitsAfterLastMarker(String completion) {
        int marker = completion.lastIndexOf('>');
        if (marker < 0) return Optional.empty();
        int end = marker + 1;
        while (end < completion.length() && completion.charAt(end) >= '0' && completion.charAt(end) <= '9') end++;
        return end == marker + 1 ? Optional.empty() : Optional.of(completion.substring(marker + 1, end));
    }

    static String stripLeadingZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') i++;
        return digits.substring(i);
    }
}
