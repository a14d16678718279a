package io.autodidact.recipe;

import io.autodidact.engine.Objective;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.Demonstration;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.Mistakes;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.Sampler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * SCoRe, self-correction by two-attempt RL (Kumar et al. 2024, "Training Language Models to Self-Correct via
 * Reinforcement Learning"). Each problem gets K first attempts y1 ~ pi(x) and, after each, a second attempt
 * y2 ~ pi(x, y1, cue) ({@link SecondAttempts}); rewards are the task's (binary for built-in verifiers).
 *
 * <pre>
 * stage I  (iterations 1..stage1_iterations):                                   [SCoRe §5.1, Eq. 3]
 *     maximise r(y2) - beta2 KL(pi(.|x) || pi_ref) on y1's tokens - beta1 KL on y2's tokens
 *     return(y1) = 0, return(y2) = r(y2)
 * stage II (after):                                                            [§5.2, Eq. 4]
 *     maximise r(y1) + r(y2) + alpha (r(y2) - r(y1)) on y2 - beta1 KL on both attempts
 *     return(y1) = r(y1), return(y2) = r(y2) + alpha (r(y2) - r(y1))
 * advantage = return - mean of the same attempt's returns over the problem's K pairs (variance reduction; REINFORCE stays
 * unbiased since the baseline does not depend on the sample), gamma = 0: each attempt's own return, no credit across turns.
 * </pre>
 *
 * Trained with the clipped policy-gradient objective with the k3 KL to the base policy: with one epoch and old
 * log-probabilities from the sampling policy its gradient is REINFORCE's (the ratio starts at 1; later minibatches of an
 * epoch are slightly off-policy, which the clip at 0.2 bounds). The two KL weights become the objective's {@code kl_coef}
 * (the larger of the stage's weights) times a per-row {@link #klWeight}.
 *
 * <p>{@code mode: sft} is the paper's STaR-on-second-attempts baseline: SFT on the verified-correct second attempts,
 * (x, y1, cue) -> y2, same sampling. With {@code review_demonstrations} the base policy also learns the format: every
 * task demonstration as a second attempt that keeps its (correct) first answer, the behaviour of an instruction-tuned model
 * asked to review (it mostly keeps its answer), which is what SCoRe starts from.
 *
 * <p>What was checked: the two-stage structure, the stage I KL that anchors only the first attempt, the stage II bonus
 * {@code alpha (r(y2) - r(y1))} and REINFORCE agree with third-party descriptions of the paper (a public re-implementation,
 * BY571/SCoRe, which also uses the k3 KL estimator). Not verified against the paper's own text here: the equation numbers
 * and the MATH hyperparameters (alpha 10, beta1 0.01, beta2 0.1) are as ALGORITHMS.md cites them; whether the paper's
 * REINFORCE subtracts a baseline (here the per-problem mean) and how it estimates the KL (here k3 against the iteration-0
 * policy, per token) are not verified.
 */
public final class Score implements Recipe {
    public static final String NAME = "score";
    /** Writable by every built-in task's character set: a new line, then the {@code =} that starts an answer. */
    public static final String DEFAULT_CUE = "\n=";

    /** The defaults of {@code batch_size}, {@code lr}, {@code warmup_steps} and {@code lr_schedule}, in both modes. */
    static final Optimizer OPTIMIZER = new Optimizer(256, 1e-4, 0, LrSchedule.Kind.CONSTANT);

    public static final List<OptionDoc> OPTIONS = Stream.of(List.of(
            new OptionDoc("samples", "integer", 4, "K: first attempts per problem, each followed by one second attempt (2K samples)"),
            new OptionDoc("temperature", "number", 1.0, "sampling temperature of both attempts"),
            new OptionDoc("cue", "string", DEFAULT_CUE, "text after the first attempt that asks for the second; must be in the tokenizer's alphabet"),
            new OptionDoc("mode", "string", "rl", "rl: SCoRe's two stages | sft: STaR on second attempts (fine-tune on correct y2), the baseline"),
            new OptionDoc("stage1_iterations", "integer", 1, "iterations of stage I before stage II"),
            new OptionDoc("alpha", "number", 10.0, "stage II shaping bonus alpha (r(y2) - r(y1)) on the second attempt"),
            new OptionDoc("beta1", "number", 0.01, "KL weight on both attempts (on the second only in stage I)"),
            new OptionDoc("beta2", "number", 0.1, "stage I KL weight on the first attempt, which keeps it near the base policy"),
            new OptionDoc("review_demonstrations", "boolean", true, "bootstrap also on second attempts that keep a correct first answer"),
            new OptionDoc("review_corrections", "number", 0.0, "share of those whose first attempt is made wrong and corrected"),
            new OptionDoc("review_error", "string", "last_digit", "how such a first attempt is wrong: last_digit (its last digit changed) | task (the task's "
                    + "plausible mistake carried through the solution, e.g. addition's dropped carry; the task must make them)"),
            new OptionDoc("demonstration_mix", "number", 0.0, "[sft] fraction of each batch from the task's demonstrations (keeps first attempts alive)"),
            new OptionDoc("epochs", "integer", 1, "[rl] passes over the iteration's samples"),
            new OptionDoc("train_steps", "integer", 300, "[sft] optimizer steps per iteration")),
            RecipeOptions.optimizerDocs(OPTIMIZER, "samples per optimizer step"),
            List.of(new OptionDoc("averaging", "string", "token", "[rl] token | sequence | constant (divides by max_length)"),
            new OptionDoc("max_length", "integer", 40, "[rl] the constant of averaging: constant"),
            new OptionDoc("kernel", "string", "java", "[rl] java | python (the bundled GraalPy kernels)"))).flatMap(List::stream).toList();

    enum Mode { RL, SFT }

    private final Sampling sampling;
    private final String cue;
    private final Mode mode;
    private final int stage1Iterations;
    private final double alpha, beta1, beta2;
    private final boolean reviewDemonstrations;
    private final double reviewCorrections;
    private final boolean taskMistakes;
    private final TrainPlan stageOne, stageTwo;
    private final Map<String, Object> resolved;

    public Score(Map<String, Object> options) {
        RecipeOptions o = new RecipeOptions(options);
        sampling = o.sampling(4, 2);
        cue = o.string("cue", DEFAULT_CUE);
        if (cue.isEmpty()) throw RecipeOptions.error("cue", "must not be empty; e.g. \"\\n=\"");
        String m = o.string("mode", "rl");
        mode = switch (m) {
            case "rl" -> Mode.RL;
            case "sft" -> Mode.SFT;
            default -> throw RecipeOptions.error("mode", "unknown mode \"" + m + "\"; use rl (SCoRe) or sft (STaR on second attempts)");
        };
        stage1Iterations = o.integer("stage1_iterations", 1, 0, 1_000_000);
        alpha = o.number("alpha", 10.0, 0, 1000);
        beta1 = o.number("beta1", 0.01, 0, 100);
        beta2 = o.number("beta2", 0.1, 0, 100);
        reviewDemonstrations = o.bool("review_demonstrations", true);
        reviewCorrections = o.number("review_corrections", 0.0, 0, 1);
        String reviewError = o.string("review_error", "last_digit");
        taskMistakes = switch (reviewError) {
            case "last_digit" -> false;
            case "task" -> true;
            default -> throw RecipeOptions.error("review_error", "unknown value \"" + reviewError + "\"; use last_digit or task");
        };
        double demonstrationMix = o.number("demonstration_mix", 0.0, 0, 0.99);
        int epochs = o.epochs();
        int steps = o.integer("train_steps", 300, 0, 10_000_000);
        Optimizer optimizer = o.optimizer(OPTIMIZER);
        Objective.Averaging averaging = o.choice("averaging", "token", Objective.Averaging::parse);
        int maxLength = o.integer("max_length", 40, 1, 1 << 20);
        String kernel = o.string("kernel", "java");
        Objective.Kernel k = switch (kernel) {
            case "java" -> Objective.Kernel.JAVA;
            case "python" -> Objective.Kernel.python();
            default -> throw RecipeOptions.error("kernel", "must be java or python, got \"" + kernel + "\"");
        };
        resolved = o.finish();
        if (mode == Mode.SFT) {
            stageOne = stageTwo = optimizer.steps(steps, demonstrationMix, false);
        } else {
            if (demonstrationMix > 0)
                throw RecipeOptions.error("demonstration_mix", "applies to mode sft only; policy-gradient rows need sampling log-probabilities");
            stageOne = optimizer.epochs(epochs, Objective.policyGradient(0.2, 0.2, Math.max(beta1, beta2), averaging, maxLength).withKernel(k));
            stageTwo = optimizer.epochs(epochs, Objective.policyGradient(0.2, 0.2, beta1, averaging, maxLength).withKernel(k));
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return sampling.params(maxNewTokens, seed);
    }

    @Override
    public Optional<Sampler> sampler() {
        return Optional.of(new SecondAttempts(cue));
    }

    boolean stageOne(int iteration) {
        return iteration <= stage1Iterations;
    }

    /**
     * The advantages of one problem's K pairs: {@code [0]} for the first attempts, {@code [1]} for the second, each the
     * attempt's return minus the mean return of the same attempt over the K pairs (see the class comment).
     */
    static double[][] advantages(double[] firstRewards, double[] secondRewards, boolean stageOne, double alpha) {
        int k = firstRewards.length;
        if (secondRewards.length != k) throw new IllegalArgumentException("first and second attempts differ in number");
        double[] first = new double[k], second = new double[k];
        for (int j = 0; j < k; j++) {
            first[j] = stageOne ? 0 : firstRewards[j];
            second[j] = secondRewards[j] + (stageOne ? 0 : alpha * (secondRewards[j] - firstRewards[j]));
        }
        return new double[][] {centred(first), centred(second)};
    }

    private static double[] centred(double[] x) {
        double mean = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] - mean;
        return out;
    }

    /**
     * rl: every attempt is trained, with its advantage (stage I's first attempts with advantage 0, held only by the KL);
     * sft: the verified-correct second attempts, nothing else.
     */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        int k = sampling.samples();
        Rollout[] out = new Rollout[scored.size()];
        for (Pairs p : pairs(scored)) {
            double[] r1 = new double[k], r2 = new double[k];
            for (int j = 0; j < k; j++) {
                r1[j] = scored.get(p.first[j]).reward();
                r2[j] = scored.get(p.second[j]).reward();
            }
            double[][] a = mode == Mode.RL ? advantages(r1, r2, stageOne(iteration), alpha) : new double[2][k];
            for (int j = 0; j < k; j++) {
                Rollout y1 = scored.get(p.first[j]), y2 = scored.get(p.second[j]);
                out[p.first[j]] = y1.withAdvantage(a[0][j]).withSelected(mode == Mode.RL);
                out[p.second[j]] = y2.withAdvantage(a[1][j]).withSelected(mode == Mode.RL || (y2.correct() && y2.error().isEmpty()));
            }
        }
        return List.of(out);
    }

    /** SELECT, with the iteration's transitions on the training samples as monitors ({@code select_c_to_c}, ...), and the stage. */
    @Override
    public Selection select(int iteration, List<Rollout> scored, PolicyEngine policy) {
        int k = sampling.samples();
        Transitions t = Transitions.NONE;
        for (Pairs p : pairs(scored))
            for (int j = 0; j < k; j++) t = t.plus(scored.get(p.first[j]).correct(), scored.get(p.second[j]).correct());
        Map<String, Double> monitors = new LinkedHashMap<>(t.figures());
        if (mode == Mode.RL) monitors.put("stage", stageOne(iteration) ? 1.0 : 2.0);
        return new Selection(select(iteration, scored), monitors);
    }

    /** One problem's attempts as indices into the scored list: first[j] is sample j, second[j] is sample K + j. */
    private record Pairs(int[] first, int[] second) {}

    private List<Pairs> pairs(List<Rollout> scored) {
        int k = sampling.samples();
        Map<String, Pairs> byProblem = new LinkedHashMap<>();
        for (int i = 0; i < scored.size(); i++) {
            Rollout r = scored.get(i);
            Pairs p = byProblem.computeIfAbsent(r.problemId(), id -> new Pairs(filled(k), filled(k)));
            int s = r.sampleIndex();
            if (s < 0 || s >= 2 * k)
                throw new IllegalStateException("rollout " + r.problemId() + "#" + s + " is not one of SCoRe's " + 2 * k
                        + " attempts per problem; was this iteration generated with other recipe options?");
            (s < k ? p.first : p.second)[s % k] = i;
        }
        List<Pairs> out = new ArrayList<>(byProblem.values());
        for (var e : byProblem.entrySet())
            for (int j = 0; j < k; j++)
                if (e.getValue().first[j] < 0 || e.getValue().second[j] < 0)
                    throw new IllegalStateException("problem " + e.getKey() + " lacks attempt pair " + j + " (samples " + j + " and "
                            + (k + j) + "); was this iteration generated with other recipe options?");
        return out;
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, -1);
        return a;
    }

    /** Stage I: beta2 on first attempts and beta1 on second, relative to the objective's kl_coef max(beta1, beta2); stage II: 1. */
    @Override
    public float klWeight(int iteration, Rollout rollout) {
        double top = Math.max(beta1, beta2);
        int k = sampling.samples();
        if (mode == Mode.SFT || !stageOne(iteration) || top == 0) return 1f;
        return (float) ((rollout.sampleIndex() < k ? beta2 : beta1) / top);
    }

    @Override
    public TrainPlan trainPlan(int iteration) {
        return stageOne(iteration) ? stageOne : stageTwo;
    }

    /**
     * With {@code review_demonstrations}: each task demonstration (x, y) also as a second attempt (x + y + cue, y); for a
     * share {@code review_corrections} of them (a fixed choice) the first attempt is wrong, so the base has seen a wrong
     * answer corrected. Without any, the base copies its first answer always and RL has no correction to reinforce.
     * With {@code review_error: last_digit} the wrong attempt is y with its last digit changed; but a model's errors sit
     * earlier in its solution, and a base taught only that fix learns to copy everything else (seed 0 of the
     * reproduction: 98.5% of second attempts identical). With {@code task} it is the task's plausible mistake carried
     * through the solution (addition: a dropped or spurious carry), so a correct second attempt must re-derive it (a
     * demonstration the task cannot read gets the last-digit error).
     */
    @Override
    public List<Demonstration> demonstrations(List<Demonstration> task, Optional<Mistakes> mistakes) {
        if (!reviewDemonstrations) return List.of();
        if (taskMistakes && reviewCorrections > 0 && mistakes.isEmpty())
            throw RecipeOptions.error("review_error", "task: this run's task makes no plausible mistakes (the built-in addition task does); "
                    + "use last_digit");
        java.util.SplittableRandom random = new java.util.SplittableRandom(0x5C0E);
        List<Demonstration> out = new ArrayList<>(task.size());
        for (Demonstration d : task) {
            boolean corrupt = random.nextDouble() < reviewCorrections;
            String first = !corrupt ? d.completion()
                    : taskMistakes ? mistakes.orElseThrow().mistaken(d, random).orElseGet(() -> withLastDigitChanged(d.completion(), random))
                    : withLastDigitChanged(d.completion(), random);
            out.add(new Demonstration(d.prompt() + first + cue, d.completion()));
        }
        return out;
    }

    /** {@code text} with its last decimal digit replaced by another digit; unchanged when it has none. */
    static String withLastDigitChanged(String text, java.util.random.RandomGenerator random) {
        for (int i = text.length() - 1; i >= 0; i--) {
            char ch = text.charAt(i);
            if (ch >= '0' && ch <= '9') {
                char other = (char) ('0' + (ch - '0' + 1 + random.nextInt(9)) % 10);
                return text.substring(0, i) + other + text.substring(i + 1);
            }
        }
        return text;
    }

    @Override
    public Map<String, Object> options() {
        return resolved;
    }
}
