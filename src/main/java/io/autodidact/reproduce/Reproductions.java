package io.autodidact.reproduce;

import io.autodidact.reproduce.Reproduction.Arm;
import io.autodidact.reproduce.Reproduction.ArmResult;
import io.autodidact.reproduce.Reproduction.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The reproductions {@code ./autodidact reproduce NAME} runs, by name. */
public final class Reproductions {
    private Reproductions() {}

    /** GRPO's recipe section: the same one {@code configs/recipes/grpo-addition.yaml} uses. */
    static final String GRPO_RECIPE = "{name: grpo, samples: 8, temperature: 1.0, advantage: grpo, dynamic_sampling: true, epochs: 1,"
            + " batch_size: 256, lr: 1.0e-3, lr_schedule: constant, eps_low: 0.2, eps_high: 0.28, kl_coef: 0.0, averaging: token, kernel: java}";

    /**
     * GRPO against STaR on the demo's task and base model, each with 120,000 generated samples: STaR as the
     * demo runs it (5 iterations of 3,000 problems x 8), GRPO in 10 smaller steps (1,500 x 8), since online RL
     * wants fresh samples from the current policy more often.
     */
    static Reproduction grpo() {
        return new Reproduction("grpo",
                "GRPO (online RL on group-normalised verifier rewards, no demonstrations) raises held-out pass@1 on 4-6 digit addition "
                        + "from the same base as STaR, with the same number of generated samples.",
                "/configs/demo.yaml", List.of(),
                List.of(new Arm("star", List.of()),
                        new Arm("grpo", List.of("iterations=10", "task.problems_per_iteration=1500", "recipe=" + GRPO_RECIPE))),
                Reproductions::judgeGrpo);
    }

    static Verdict judgeGrpo(Map<String, ArmResult> arms) {
        ArmResult star = arms.get("star"), grpo = arms.get("grpo");
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("star_gain_points", 100 * star.gain());
        n.put("grpo_gain_points", 100 * grpo.gain());
        n.put("star_samples", star.samplesGenerated());
        n.put("grpo_samples", grpo.samplesGenerated());
        if (star.gain() != 0) n.put("grpo_to_star_gain_ratio", grpo.gain() / star.gain());
        // "raises": more than the noise of a 600-problem eval (one standard error is about 2 points).
        boolean held = grpo.gain() >= 0.10;
        String text = String.format(Locale.ROOT, "GRPO %s held-out pass@1 by %+.1f points (%.1f%% -> %.1f%%); STaR, same base and "
                        + "%,d vs %,d samples: %+.1f points.", held ? "raised" : "did not raise (threshold +10 points)", 100 * grpo.gain(),
                100 * grpo.baseAccuracy(), 100 * grpo.finalAccuracy(), grpo.samplesGenerated(), star.samplesGenerated(), 100 * star.gain());
        return new Verdict(held, text, n);
    }

    static final Map<String, Reproduction> ALL = register(grpo());

    private static Map<String, Reproduction> register(Reproduction... all) {
        Map<String, Reproduction> m = new LinkedHashMap<>();
        for (Reproduction r : all) m.put(r.name(), r);
        return m;
    }

    public static List<Reproduction> all() {
        return List.copyOf(ALL.values());
    }

    public static Reproduction named(String name) {
        Reproduction r = ALL.get(name);
        if (r == null) throw new IllegalArgumentException("unknown reproduction \"" + name + "\"; available: " + ALL.keySet()
                + " (./autodidact reproduce --list)");
        return r;
    }
}
