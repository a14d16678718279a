package io.autodidact.recipe;

import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * B-STaR, Balanced Self-Taught Reasoner (Zeng et al. 2024, "B-STaR: Monitoring and Balancing Exploration and
 * Exploitation in Self-Taught Reasoners", ICLR 2025): STaR-style online rejection fine-tuning whose sampling temperature
 * T and reward threshold tau are chosen again before every iteration, by the balance score, because with a fixed T the
 * policy's exploration (pass@K, distinct correct answers) collapses over iterations.
 *
 * <p>Before iteration n (the PLAN stage) the current policy samples K completions for the first {@code probe_problems}
 * of the iteration's problems at each candidate temperature (the same seed for each, so the temperatures are compared
 * on common random numbers), scored by the task's reward. For each (T, tau) of the grid, problem i's balance score is
 * <pre>
 *   score_i = min(c_i / n_star, 1) * c_i / s_i        (0 when s_i = 0)
 * </pre>
 * with s_i the distinct selected samples (reward &gt; tau) and c_i the distinct correct ones among them; the pair with
 * the highest mean over the probed problems wins (the first in grid order on a tie), and GENERATE samples at T, SELECT
 * keeps distinct samples with reward &gt; tau, best reward first, at most {@code max_per_problem} per problem.
 *
 * <p>Checked against the reference code (hkust-nlp/B-STaR, {@code train_code/determine_hyper.py}, function
 * {@code cal_modi_acc_soft}): per query, {@code ratio} if at least 8 unique correct selected samples else
 * {@code num * ratio / 8}, i.e. {@code min(num / 8, 1) * ratio} with {@code ratio = correct / selected} over
 * exact-string-deduplicated selected samples; the grid is T in 0.5..1.2 by 0.1 and tau in -1..1 by 0.01, the reward
 * {@code min step PRM score / 5 + 1[answer correct]}. The paper's Eq. 3 sets {@code n_star = ceil(N / M)} (selected
 * samples over queries, 6 in its MATH runs); the code hard-codes 8. Differences here, on purpose: the mean runs over
 * every probed problem (the code averages only over queries with a selected sample), our rewards lie in [0, 1] so the
 * default tau grid is 0..0.9, and the code's addition of the reference solution to each query's pool is left out (it
 * belongs to their data, not to the method). With a 0/1 verifier every tau below 1 selects exactly the correct
 * samples, so only T matters and the score rewards the temperature that solves most probed problems with several
 * distinct correct samples.
 */
public final class BStar implements Recipe {
    public static final String NAME = "bstar";

    public static final List<OptionDoc> OPTIONS = Stream.concat(Stream.of(
            new OptionDoc("samples", "integer", 8, "K: completions sampled per problem (in GENERATE and in the probe)"),
            new OptionDoc("temperature_min", "number", 0.5, "lowest candidate temperature"),
            new OptionDoc("temperature_max", "number", 1.2, "highest candidate temperature"),
            new OptionDoc("temperature_step", "number", 0.1, "spacing of the candidate temperatures"),
            new OptionDoc("threshold_min", "number", 0.0, "lowest candidate reward threshold tau (keep reward > tau)"),
            new OptionDoc("threshold_max", "number", 0.9, "highest candidate reward threshold"),
            new OptionDoc("threshold_step", "number", 0.1, "spacing of the candidate thresholds"),
            new OptionDoc("n_star", "integer", 4, "distinct correct samples per problem that count as full exploration in the balance score"),
            new OptionDoc("probe_problems", "integer", 64, "problems of the iteration sampled at every candidate temperature to choose T and tau"),
            new OptionDoc("max_per_problem", "integer", 4, "distinct selected samples kept per problem")),
            RecipeOptions.finetuningDocs("false: continue from the last policy (B-STaR is online); true: from the base").stream()).toList();

    static final String TEMPERATURE = "temperature", THRESHOLD = "reward_threshold", BALANCE = "balance_score";

    private final int samples, nStar, probeProblems, maxPerProblem;
    private final List<Double> temperatures, thresholds;
    private final TrainPlan plan;
    private final Map<String, Object> resolved;
    /** The iteration's controls; NaN until {@link #configured}. */
    private final double temperature, threshold;

    public BStar(Map<String, Object> options) {
        RecipeOptions o = new RecipeOptions(options);
        samples = o.integer("samples", 8, 1, 1024);
        double tMin = o.number("temperature_min", 0.5, 0, 10), tMax = o.number("temperature_max", 1.2, 0, 10);
        double tStep = o.number("temperature_step", 0.1, 1e-6, 10);
        double hMin = o.number("threshold_min", 0.0, -1e9, 1e9), hMax = o.number("threshold_max", 0.9, -1e9, 1e9);
        double hStep = o.number("threshold_step", 0.1, 1e-6, 1e9);
        nStar = o.integer("n_star", 4, 1, 1 << 20);
        probeProblems = o.integer("probe_problems", 64, 1, 1 << 20);
        maxPerProblem = o.integer("max_per_problem", 4, 1, 1 << 20);
        plan = o.finetuning();
        resolved = o.finish();
        temperatures = grid("temperature_max", tMin, tMax, tStep);
        thresholds = grid("threshold_max", hMin, hMax, hStep);
        temperature = Double.NaN;
        threshold = Double.NaN;
    }

    private BStar(BStar base, double temperature, double threshold) {
        samples = base.samples;
        nStar = base.nStar;
        probeProblems = base.probeProblems;
        maxPerProblem = base.maxPerProblem;
        temperatures = base.temperatures;
        thresholds = base.thresholds;
        plan = base.plan;
        resolved = base.resolved;
        this.temperature = temperature;
        this.threshold = threshold;
    }

    /** min, min + step, ... up to max (inclusive, allowing for rounding), each rounded to 6 decimals. */
    static List<Double> grid(String option, double min, double max, double step) {
        if (max < min) throw RecipeOptions.error(option, "(" + max + ") is below the grid's minimum (" + min + ")");
        List<Double> out = new ArrayList<>();
        for (int i = 0; min + i * step <= max + 1e-9; i++) {
            if (i == 1000) throw RecipeOptions.error(option, "the grid has over 1000 points; raise its step");
            out.add(Math.round((min + i * step) * 1e6) / 1e6);
        }
        return List.copyOf(out);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The chosen (T, tau), its mean balance score, and the best score at each candidate temperature. */
    @Override
    public Map<String, Double> plan(Planning planning) {
        int probed = Math.min(probeProblems, planning.problems());
        double bestScore = Double.NEGATIVE_INFINITY, bestT = temperatures.getFirst(), bestTau = thresholds.getFirst();
        Map<String, Double> controls = new LinkedHashMap<>();
        for (double t : temperatures) {
            List<Rollout> probe = planning.probe(probed, SamplingParams.sample(samples, t, planning.maxNewTokens(), planning.seed()));
            double bestAtT = Double.NEGATIVE_INFINITY;
            for (double tau : thresholds) {
                double score = meanBalance(probe, tau, nStar);
                bestAtT = Math.max(bestAtT, score);
                if (score > bestScore) {
                    bestScore = score;
                    bestT = t;
                    bestTau = tau;
                }
            }
            controls.put(BALANCE + "_t" + t, bestAtT);
        }
        controls.put(TEMPERATURE, bestT);
        controls.put(THRESHOLD, bestTau);
        controls.put(BALANCE, bestScore);
        return controls;
    }

    /** The mean over problems of {@code min(c / nStar, 1) * c / s} (see the class comment). */
    static double meanBalance(List<Rollout> rollouts, double tau, int nStar) {
        Map<String, Set<String>> selected = new LinkedHashMap<>(), correct = new LinkedHashMap<>();
        for (Rollout r : rollouts) {
            selected.computeIfAbsent(r.problemId(), k -> new HashSet<>());
            correct.computeIfAbsent(r.problemId(), k -> new HashSet<>());
            if (!r.error().isEmpty() || !(r.reward() > tau)) continue;
            selected.get(r.problemId()).add(r.text());
            if (r.correct()) correct.get(r.problemId()).add(r.text());
        }
        if (selected.isEmpty()) return 0;
        double sum = 0;
        for (var e : selected.entrySet()) sum += balance(correct.get(e.getKey()).size(), e.getValue().size(), nStar);
        return sum / selected.size();
    }

    /** One problem's balance score: exploration {@code min(c / nStar, 1)} times exploitation {@code c / s}. */
    static double balance(int distinctCorrect, int distinctSelected, int nStar) {
        if (distinctSelected == 0) return 0;
        return Math.min(distinctCorrect / (double) nStar, 1) * distinctCorrect / distinctSelected;
    }

    @Override
    public Recipe configured(Map<String, Double> controls) {
        Double t = controls.get(TEMPERATURE), tau = controls.get(THRESHOLD);
        if (t == null || tau == null) return this;
        return new BStar(this, t, tau);
    }

    private void requireConfigured() {
        if (Double.isNaN(temperature))
            throw new IllegalStateException("bstar: no temperature and threshold chosen for this iteration; its PLAN stage has not run "
                    + "(use configured(controls) with the controls PLAN journaled)");
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        requireConfigured();
        return SamplingParams.sample(samples, temperature, maxNewTokens, seed);
    }

    /** Keeps distinct samples with reward above tau, best reward first (then by sample index), at most m per problem. */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        requireConfigured();
        return ProblemGroups.keepDistinct(scored, Comparator.comparingDouble((Rollout r) -> -r.reward()).thenComparingInt(Rollout::sampleIndex),
                r -> r.error().isEmpty() && r.reward() > threshold, maxPerProblem);
    }

    @Override
    public TrainPlan trainPlan(int iteration) {
        return plan;
    }

    @Override
    public Map<String, Object> options() {
        return resolved;
    }
}
