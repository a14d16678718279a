package io.autodidact.reproduce;

import io.autodidact.loop.IterationMetrics;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A paper's claim checked at laptop scale: a shared base policy (bootstrapped once), then arms (a baseline and
 * the recipe under test) trained from it with the same number of generated samples, and a judge that says
 * whether the claim held on the arms' metrics. Arms are overrides of a base run config, so each arm's
 * {@code run.yaml} shows exactly what it ran.
 *
 * @param baseConfig    a run config on the classpath (e.g. {@code /configs/demo.yaml}): task, model, bootstrap, eval
 * @param baseOverrides {@code key=value} changes to it shared by every arm (values are YAML, so {@code recipe={...}}
 *                      replaces a whole section)
 */
public record Reproduction(String name, String claim, String baseConfig, List<String> baseOverrides, List<Arm> arms, List<Probe> probes,
                           Judge judge) {

    /** A reproduction judged on its arms alone. */
    public Reproduction(String name, String claim, String baseConfig, List<String> baseOverrides, List<Arm> arms, Judge judge) {
        this(name, claim, baseConfig, baseOverrides, arms, List.of(), judge);
    }

    public Reproduction {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(baseConfig, "baseConfig");
        Objects.requireNonNull(judge, "judge");
        baseOverrides = List.copyOf(baseOverrides);
        arms = List.copyOf(arms);
        probes = List.copyOf(probes);
        if (arms.size() < 2) throw new IllegalArgumentException("reproduction " + name + " needs a baseline and at least one more arm");
        Set<String> labels = new HashSet<>();
        for (Arm a : arms)
            if (!labels.add(a.label())) throw new IllegalArgumentException("reproduction " + name + " has two arms labelled " + a.label());
    }

    /** One side of the comparison: a label (also its run directory's name) and its changes to the base config. */
    public record Arm(String label, List<String> overrides) {
        public Arm {
            if (!label.matches("[a-z0-9][a-z0-9-]*"))
                throw new IllegalArgumentException("arm label must be lowercase letters, digits and dashes, got \"" + label + "\"");
            overrides = List.copyOf(overrides);
        }
    }

    /**
     * What an arm did.
     *
     * @param headline accuracy on the run's headline eval sets per iteration (index = iteration)
     */
    public record ArmResult(String label, String recipe, List<IterationMetrics> metrics, List<Double> headline, long samplesGenerated,
                            double wallSeconds) {
        public ArmResult {
            metrics = List.copyOf(metrics);
            headline = List.copyOf(headline);
            if (metrics.isEmpty()) throw new IllegalArgumentException("arm " + label + " has no evaluated iteration");
        }

        public double baseAccuracy() {
            return headline.getFirst();
        }

        public double finalAccuracy() {
            return headline.getLast();
        }

        public double gain() {
            return finalAccuracy() - baseAccuracy();
        }

        /** A recipe control or monitor of every iteration that logged it (NaN where it did not). */
        public List<Double> extra(String key) {
            return metrics.stream().map(m -> m.extra().getOrDefault(key, Double.NaN)).toList();
        }
    }

    /**
     * Whether the claim held, in one sentence with the numbers behind it.
     *
     * @param numbers the figures the judgement used, by name, for summary.json
     */
    public record Verdict(boolean held, String explanation, Map<String, Object> numbers) {
        public Verdict {
            Objects.requireNonNull(explanation, "explanation");
            numbers = Map.copyOf(numbers);
        }
    }

    /**
     * A measurement beside the arms' own metrics (e.g. best-of-N selection on the base policy), taken once after every
     * arm finished and stored, so a resumed reproduction does not take it again.
     */
    public interface Probe {
        String name();

        /** Figures by name; finite numbers only. */
        Map<String, Double> measure(ProbeContext context);
    }

    /**
     * What a probe may use.
     *
     * @param baseSpec       the base run's config (task, eval sets, generation limits)
     * @param baseCheckpoint the shared base policy
     * @param armDirs        each arm's run directory, by label
     */
    public record ProbeContext(io.autodidact.loop.RunSpec baseSpec, java.nio.file.Path baseCheckpoint, Map<String, java.nio.file.Path> armDirs,
                               io.autodidact.engine.EngineFactory engines) {}

    @FunctionalInterface
    public interface Judge {
        /**
         * @param arms   by label, in the reproduction's order
         * @param probes each probe's figures, by probe name
         */
        Verdict judge(Map<String, ArmResult> arms, Map<String, Map<String, Double>> probes);
    }
}
