package io.autodidact.recipe;

import io.autodidact.engine.Objective;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * GRPO with verifiable rewards (Shao et al. 2024) and its variants: per iteration a batch of problems, K samples
 * each, verifier rewards, group advantages (GRPO, Dr. GRPO or RLOO), then {@code epochs} passes of the clipped
 * policy-gradient loss over the samples in minibatches, against the log-probabilities recorded at generation,
 * with an optional k3 KL to the base policy. DAPO's clip-higher is {@code eps_high > eps_low}; its dynamic
 * sampling ({@code dynamic_sampling}) drops groups whose rewards are all equal, which carry no signal.
 *
 * <pre>
 * for each iteration:
 *     Y_x <- K samples of pi_old(x) for each problem x, with log pi_old(y_t)
 *     A   <- group advantages of r(x, y) within each Y_x      (select)
 *     for epoch in 1..E, for each minibatch:                  (train)
 *         minimise -min(rho A, clip(rho, 1-eps_low, 1+eps_high) A) + beta k3(pi_ref, pi), rho = pi / pi_old
 * </pre>
 */
public final class Grpo implements Recipe {
    public static final String NAME = "grpo";

    /** The defaults of {@code batch_size}, {@code lr}, {@code warmup_steps} and {@code lr_schedule}. */
    static final Optimizer OPTIMIZER = new Optimizer(256, 1e-4, 0, LrSchedule.Kind.CONSTANT);

    public static final List<OptionDoc> OPTIONS = Stream.of(List.of(
            new OptionDoc("samples", "integer", 8, "K: completions sampled per problem (the group)"),
            new OptionDoc("temperature", "number", 1.0, "sampling temperature (1.0 keeps the old log-probabilities exact)"),
            new OptionDoc("advantage", "string", "grpo", "grpo: (r - mean) / std | drgrpo: r - mean | rloo: r - mean of the others"),
            new OptionDoc("dynamic_sampling", "boolean", true, "DAPO: skip groups whose rewards are all equal"),
            new OptionDoc("epochs", "integer", 1, "passes over the iteration's samples")),
            RecipeOptions.optimizerDocs(OPTIMIZER, "samples per minibatch (one optimizer step)"),
            List.of(new OptionDoc("eps_low", "number", 0.2, "clip ratios below 1 - eps_low"),
            new OptionDoc("eps_high", "number", 0.2, "clip ratios above 1 + eps_high (DAPO clip-higher: 0.28)"),
            new OptionDoc("kl_coef", "number", 0.0, "weight of the k3 KL to the base policy (0: no reference)"),
            new OptionDoc("averaging", "string", "sequence", "sequence (GRPO) | token (DAPO) | constant (Dr. GRPO, divides by max_length)"),
            new OptionDoc("max_length", "integer", 40, "the constant of averaging: constant (the generation length limit)"),
            new OptionDoc("kernel", "string", "java", "java | python (bundled GraalPy kernels) | path to your .py kernel file or directory"),
            new OptionDoc("kernel_module", "string", "", "module of a kernel directory (a file's module is its name)"),
            new OptionDoc("kernel_function", "string", "loss", "function of your kernel: f(batch, **options) -> loss or (loss, monitors)"))).flatMap(List::stream).toList();

    private final Sampling sampling;
    private final GroupAdvantages advantage;
    private final boolean dynamicSampling;
    private final TrainPlan plan;
    private final Map<String, Object> resolved;

    public Grpo(Map<String, Object> options) {
        RecipeOptions o = new RecipeOptions(options);
        sampling = o.sampling(8, 2);
        advantage = o.choice("advantage", "grpo", GroupAdvantages::parse);
        dynamicSampling = o.bool("dynamic_sampling", true);
        int epochs = o.epochs();
        Optimizer optimizer = o.optimizer(OPTIMIZER);
        double epsLow = o.number("eps_low", 0.2, 0, 0.99), epsHigh = o.number("eps_high", 0.2, 0, 10);
        double klCoef = o.number("kl_coef", 0.0, 0, 100);
        Objective.Averaging averaging = o.choice("averaging", "sequence", Objective.Averaging::parse);
        int maxLength = o.integer("max_length", 40, 1, 1 << 20);
        String kernel = o.string("kernel", "java"), module = o.string("kernel_module", ""), function = o.string("kernel_function", "loss");
        Objective.Kernel k = Objective.Kernel.parse(kernel, function, "recipe.kernel");
        if (k.code().isPresent() && !module.isEmpty()) k = Objective.Kernel.file(k.code().get(), module, function);
        Objective objective = Objective.policyGradient(epsLow, epsHigh, klCoef, averaging, maxLength).withKernel(k);
        plan = optimizer.epochs(epochs, objective);
        resolved = o.finish();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return sampling.params(maxNewTokens, seed);
    }

    /**
     * Every rollout gets its group advantage and is selected, except, with dynamic sampling, the groups whose
     * rewards are all equal (advantage 0, not selected). Failed scores count with their placeholder reward 0.
     */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        Rollout[] out = new Rollout[scored.size()];
        for (List<Integer> group : ProblemGroups.of(scored).values()) {
            double[] rewards = new double[group.size()];
            boolean allEqual = true;
            for (int j = 0; j < rewards.length; j++) {
                rewards[j] = scored.get(group.get(j)).reward();
                allEqual &= rewards[j] == rewards[0];
            }
            double[] a = allEqual ? new double[rewards.length] : advantage.of(rewards);
            for (int j = 0; j < rewards.length; j++) {
                Rollout r = scored.get(group.get(j));
                out[group.get(j)] = r.withAdvantage(a[j]).withSelected(!(dynamicSampling && allEqual));
            }
        }
        return List.of(out);
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
