package io.autodidact.recipe;

import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * STaR / rejection-sampling fine-tuning / ReST-EM, one loop by options (Zelikman et al. 2022; Yuan et
 * al. 2023; Singh et al. 2023): sample K completions per problem at temperature T, keep those the
 * verifier accepts (deduplicated, at most m per problem), fine-tune on them, repeat. ReST-EM restarts
 * from the base policy each iteration ({@code restart_from_base: true}); STaR as used here continues from
 * the last iteration, which our prototype found stronger at small scale. Rationalization (re-sampling
 * failures with the answer as a hint) is not implemented yet.
 */
public final class Star implements Recipe {
    public static final String NAME = "star";

    public static final List<OptionDoc> OPTIONS = List.of(
            new OptionDoc("samples", "integer", 8, "K: completions sampled per problem"),
            new OptionDoc("temperature", "number", 1.0, "sampling temperature"),
            new OptionDoc("max_per_problem", "integer", 1, "m: distinct correct completions kept per problem"),
            new OptionDoc("train_steps", "integer", 300, "optimizer steps per iteration"),
            new OptionDoc("batch_size", "integer", 128, "rows per optimizer step"),
            new OptionDoc("lr", "number", 1e-3, "AdamW peak learning rate"),
            new OptionDoc("warmup_steps", "integer", 30, "linear warmup steps"),
            new OptionDoc("lr_schedule", "string", "cosine", "cosine | constant | wsd"),
            new OptionDoc("demonstration_mix", "number", 0.5, "fraction of each batch drawn from the bootstrap demonstrations"),
            new OptionDoc("restart_from_base", "boolean", false, "true: ReST-EM (fine-tune the base each iteration); false: continue"));

    private final int samples;
    private final double temperature;
    private final int maxPerProblem;
    private final TrainPlan plan;
    private final Map<String, Object> resolved = new LinkedHashMap<>();

    public Star(Map<String, Object> options) {
        ConfigMap c = new ConfigMap("recipe", options);
        samples = c.integer("samples", 8, 1, 1024);
        temperature = c.number("temperature", 1.0, 0, 10);
        maxPerProblem = c.integer("max_per_problem", 1, 1, 1024);
        plan = new TrainPlan(c.integer("train_steps", 300, 0, 10_000_000), c.integer("batch_size", 128, 1, 1 << 20),
                c.number("lr", 1e-3, 0, 10), c.integer("warmup_steps", 30, 0, 1_000_000),
                LrSchedule.kind(c.string("lr_schedule", "cosine"), "recipe.lr_schedule"),
                c.number("demonstration_mix", 0.5, 0, 0.99), c.bool("restart_from_base", false));
        c.finish();
        resolved.put("samples", samples);
        resolved.put("temperature", temperature);
        resolved.put("max_per_problem", maxPerProblem);
        resolved.put("train_steps", plan.steps());
        resolved.put("batch_size", plan.batchSize());
        resolved.put("lr", plan.lr());
        resolved.put("warmup_steps", plan.warmupSteps());
        resolved.put("lr_schedule", plan.schedule().name().toLowerCase());
        resolved.put("demonstration_mix", plan.demonstrationMix());
        resolved.put("restart_from_base", plan.restartFromBase());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return SamplingParams.sample(samples, temperature, maxNewTokens, seed);
    }

    /** Keeps correct, distinct completions, the first {@code max_per_problem} of each problem by sample index. */
    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        Map<String, Integer> kept = new HashMap<>();
        Set<String> seen = new HashSet<>();
        List<Rollout> out = new ArrayList<>(scored.size());
        for (Rollout r : scored) {
            boolean keep = r.correct() && r.error().isEmpty()
                    && kept.getOrDefault(r.problemId(), 0) < maxPerProblem
                    && seen.add(r.problemId() + "\u0000" + r.text());
            if (keep) kept.merge(r.problemId(), 1, Integer::sum);
            out.add(r.withSelected(keep));
        }
        return out;
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
