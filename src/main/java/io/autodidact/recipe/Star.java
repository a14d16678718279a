package io.autodidact.recipe;

import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * STaR / rejection-sampling fine-tuning / ReST-EM, one loop by options (Zelikman et al. 2022; Yuan et
 * al. 2023; Singh et al. 2023): sample K completions per problem at temperature T, keep those the
 * verifier accepts (deduplicated, at most m per problem), fine-tune on them, repeat. ReST-EM restarts
 * from the base policy each iteration ({@code restart_from_base: true}); STaR as used here continues from
 * the last iteration, which our prototype found stronger at small scale.
 *
 * <p>Rationalization ({@code rationalize: true}): for every problem none of whose K samples was
 * correct, {@code rationalize_samples} more are drawn with the answer in the context (the task's hint format);
 * correct ones are kept like any other, stored and trained with the hint-free prompt. The base policy then also
 * trains on hinted demonstrations so it can read a hint (STaR's few-shot exemplars carry the hint the same way).
 * ReST-EM dropped rationalization because it admits right answers with wrong reasoning; here a verifier of the
 * final answer has the same weakness, so it is off by default.
 */
public final class Star implements Recipe {
    public static final String NAME = "star";

    public static final List<OptionDoc> OPTIONS = Stream.of(
            List.of(new OptionDoc("samples", "integer", 8, "K: completions sampled per problem"),
                    new OptionDoc("temperature", "number", 1.0, "sampling temperature"),
                    new OptionDoc("max_per_problem", "integer", 1, "m: distinct correct completions kept per problem")),
            RecipeOptions.finetuningDocs("true: ReST-EM (fine-tune the base each iteration); false: continue"),
            List.of(new OptionDoc("rationalize", "boolean", false, "STaR rationalization: resample problems with no correct sample with the answer as a hint"),
                    new OptionDoc("rationalize_samples", "integer", 0, "samples per failed problem when rationalizing (0 = samples)"))).flatMap(List::stream).toList();

    private final Sampling sampling;
    private final int maxPerProblem;
    private final int rationalizationSamples;
    private final TrainPlan plan;
    private final Map<String, Object> resolved;

    public Star(Map<String, Object> options) {
        RecipeOptions o = new RecipeOptions(options);
        sampling = o.sampling(8, 1);
        maxPerProblem = o.integer("max_per_problem", 1, 1, 1024);
        plan = o.finetuning();
        boolean rationalize = o.bool("rationalize", false);
        int perFailure = o.integer("rationalize_samples", 0, 0, 1024);
        rationalizationSamples = rationalize ? (perFailure == 0 ? sampling.samples() : perFailure) : 0;
        if (rationalize) o.put("rationalize_samples", rationalizationSamples);
        resolved = o.finish();
    }

    @Override
    public int rationalizationSamples() {
        return rationalizationSamples;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return sampling.params(maxNewTokens, seed);
    }

    /** Keeps correct, distinct completions, the first {@code max_per_problem} of each problem by sample index. */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        return ProblemGroups.keepDistinct(scored, (x, y) -> 0, r -> r.correct() && r.error().isEmpty(), maxPerProblem);
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
