package io.autodidact.reproduce;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.RewardStats;
import io.autodidact.reproduce.Reproduction.ArmResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registered reproductions' configs and the judges' arithmetic on hand-made arms. */
class ReproductionsTest {

    @Test
    void everyRegisteredReproductionHasArmsThatValidate() {
        assertEquals(List.of("grpo", "bstar", "self-consistency", "self-certainty", "sec", "guide", "rest-mcts", "self-rewarding-dpo", "iterative-deepening", "score"),
                Reproductions.all().stream().map(Reproduction::name).toList());
        for (Reproduction r : Reproductions.all()) Reproducer.validate(r, 0, List.of());
    }

    /** An arm whose headline is {@code accuracy[i]} at iteration i, with {@code samples} generated per iteration after 0. */
    static ArmResult arm(String label, double[] accuracy, int samples, Map<String, double[]> extra) {
        List<IterationMetrics> rows = new ArrayList<>();
        for (int i = 0; i < accuracy.length; i++) {
            Map<String, Double> e = new LinkedHashMap<>();
            final int it = i;
            extra.forEach((k, v) -> e.put(k, v[it]));
            rows.add(new IterationMetrics(i, accuracy[i], Map.of(), 0, Map.of(), i == 0 ? 0 : samples, 0, 0, Double.NaN, RewardStats.EMPTY,
                    Map.of(), e));
        }
        List<Double> headline = new ArrayList<>();
        for (double a : accuracy) headline.add(a);
        return new ArmResult(label, label, rows, headline, (long) samples * (accuracy.length - 1), 1);
    }

    @Test
    void secHoldsWhenItReachesTheTargetSoonerAndItsBestArmMovesToHarderDifficulties() {
        ArmResult uniform = arm("uniform", new double[] {0.2, 0.3, 0.4, 0.5, 0.6}, 1000, Map.of());
        // target = 0.2 + 0.9 * 0.4 = 0.56: uniform reaches it at iteration 4 (4,000 samples), SEC at iteration 2 (2,000).
        ArmResult sec = arm("sec", new double[] {0.2, 0.45, 0.58, 0.6, 0.61}, 1000, Map.of(
                "curriculum_q_1", new double[] {Double.NaN, 0.5, 0.2, 0.1, 0.1},
                "curriculum_q_5", new double[] {Double.NaN, 0.1, 0.3, 0.4, 0.6}));
        var v = Reproductions.judgeSec(Map.of("uniform", uniform, "sec", sec), Map.of());
        assertEquals(4000L, v.numbers().get("uniform_samples_to_target"));
        assertEquals(2000L, v.numbers().get("sec_samples_to_target"));
        assertEquals(1, v.numbers().get("sec_best_arm_first"));
        assertEquals(5, v.numbers().get("sec_best_arm_last"));
        assertTrue(v.held(), v.explanation());

        ArmResult slow = arm("sec", new double[] {0.2, 0.3, 0.4, 0.5, 0.55}, 1000, Map.of());
        var never = Reproductions.judgeSec(Map.of("uniform", uniform, "sec", slow), Map.of());
        assertFalse(never.held());
        assertTrue(never.explanation().contains("never"), never.explanation());
    }

    @Test
    void guideIsJudgedAtEqualSamplesOnTheAccuracyBySamplesCurve() {
        // GRPO: 3 x 1,200 samples; Guide: 3 x 1,000. At Guide's 3,000 samples GRPO is half way through its third iteration: 0.35.
        ArmResult grpo = arm("grpo", new double[] {0.1, 0.2, 0.3, 0.4}, 1200, Map.of());
        Map<String, double[]> signal = Map.of("select_signal_share_plain", new double[] {Double.NaN, 0.4, 0.4, 0.4},
                "select_signal_share_guided", new double[] {Double.NaN, 0.5, 0.5, 0.5},
                "select_hinted_groups_kept", new double[] {Double.NaN, 10, 20, 30});
        var v = Reproductions.judgeGuide(Map.of("grpo", grpo, "guide", arm("guide", new double[] {0.1, 0.2, 0.3, 0.4}, 1000, signal)), Map.of());
        assertEquals(3000L, v.numbers().get("samples_compared"));
        assertEquals(25.0, (double) v.numbers().get("grpo_gain_points"), 1e-9);
        assertEquals(30.0, (double) v.numbers().get("guide_gain_points"), 1e-9);
        assertEquals(20.0, (double) v.numbers().get("hinted_groups_kept_per_iteration"), 1e-9);
        assertTrue(v.held(), v.explanation());
        var slower = Reproductions.judgeGuide(Map.of("grpo", grpo, "guide", arm("guide", new double[] {0.1, 0.2, 0.3, 0.36}, 1000, signal)), Map.of());
        assertFalse(slower.held(), "+26 points vs +25 is within the 2-point margin: " + slower.explanation());
    }

    @Test
    void selfConsistencyNeedsHalfOfLabelledStarsGain() {
        ArmResult star = arm("star", new double[] {0.2, 0.6}, 1000, Map.of());
        assertTrue(Reproductions.judgeSelfConsistency(Map.of("star", star, "self-consistency", arm("sc", new double[] {0.2, 0.41}, 1000, Map.of())),
                Map.of()).held());
        assertFalse(Reproductions.judgeSelfConsistency(Map.of("star", star, "self-consistency", arm("sc", new double[] {0.2, 0.39}, 1000, Map.of())),
                Map.of()).held());
    }

    @Test
    void bstarComparesExplorationTrendsOverTheIterationsThatLoggedThem() {
        ArmResult star = arm("star", new double[] {0.2, 0.5, 0.6}, 1000, Map.of(
                "train_pass_at_k", new double[] {Double.NaN, 0.9, 0.8}, "train_distinct_correct", new double[] {Double.NaN, 2.0, 1.5}));
        ArmResult bstar = arm("bstar", new double[] {0.2, 0.5, 0.62}, 1000, Map.of(
                "train_pass_at_k", new double[] {Double.NaN, 0.9, 0.92}, "train_distinct_correct", new double[] {Double.NaN, 2.0, 2.0},
                "temperature", new double[] {Double.NaN, 0.8, 1.1}));
        var v = Reproductions.judgeBstar(Map.of("star", star, "bstar", bstar), Map.of());
        assertEquals(-0.1, (double) v.numbers().get("star_train_pass_at_k_change"), 1e-12);
        assertTrue(v.held(), v.explanation());
        var reversed = Reproductions.judgeBstar(Map.of("star", bstar, "bstar", star), Map.of());
        assertFalse(reversed.held());
    }

    @Test
    void selfCertaintyNeedsBestOfNAboveRandomNearMajorityAndSharpeningToHelp() {
        Map<String, Map<String, Double>> probe = Map.of(BestOfNProbe.NAME,
                Map.of("random", 0.4, "most_certain", 0.5, "borda", 0.52, "majority", 0.52, "oracle", 0.8, "n", 8.0));
        ArmResult star = arm("star", new double[] {0.4, 0.7}, 1000, Map.of());
        assertTrue(Reproductions.judgeSelfCertainty(Map.of("star", star, "sharpen-sft", arm("s", new double[] {0.4, 0.45}, 1000, Map.of())), probe).held());
        assertFalse(Reproductions.judgeSelfCertainty(Map.of("star", star, "sharpen-sft", arm("s", new double[] {0.4, 0.38}, 1000, Map.of())), probe).held());
        Map<String, Map<String, Double>> far = Map.of(BestOfNProbe.NAME,
                Map.of("random", 0.4, "most_certain", 0.45, "borda", 0.5, "majority", 0.55, "oracle", 0.8, "n", 8.0));
        assertFalse(Reproductions.judgeSelfCertainty(Map.of("star", star, "sharpen-sft", arm("s", new double[] {0.4, 0.45}, 1000, Map.of())), far).held());
    }

    @Test
    void scoreNeedsTwoPointsOfNetCorrectionsAndMoreThanStarOnSecondAttempts() {
        Map<String, ArmResult> arms = Map.of("score", arm("score", new double[] {0.4, 0.5}, 1000, Map.of()),
                "star-second", arm("star-second", new double[] {0.4, 0.5}, 1000, Map.of()));
        assertTrue(Reproductions.judgeScore(arms, twoAttempts(0.05, 0.02, 0.01, 0.01)).held());
        assertFalse(Reproductions.judgeScore(arms, twoAttempts(0.03, 0.02, 0.0, 0.0)).held(), "net +1 point is below the threshold");
        assertFalse(Reproductions.judgeScore(arms, twoAttempts(0.05, 0.02, 0.06, 0.01)).held(), "STaR on second attempts corrects more");
        Map<String, Map<String, Double>> changing = twoAttempts(0.05, 0.02, 0.01, 0.01);
        changing.get(TwoAttemptProbe.NAME).put("star_second_unchanged", 0.3);
        assertFalse(Reproductions.judgeScore(arms, changing).held(), "STaR's second attempt did not mostly copy the first");
        assertEquals(0.03, (double) Reproductions.judgeScore(arms, twoAttempts(0.05, 0.02, 0.01, 0.01)).numbers().get("score_net_corrections"), 1e-12);
    }

    private static Map<String, Map<String, Double>> twoAttempts(double scoreIc, double scoreCi, double sftIc, double sftCi) {
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("problems", 400.0);
        for (String m : List.of("base", "score", "star_second")) {
            p.put(m + "_t1", 0.5);
            p.put(m + "_t2", 0.5);
            p.put(m + "_delta", 0.0);
            p.put(m + "_unchanged", 0.9);
            p.put(m + "_i_to_c", 0.0);
            p.put(m + "_c_to_i", 0.0);
        }
        p.put("score_i_to_c", scoreIc);
        p.put("score_c_to_i", scoreCi);
        p.put("star_second_i_to_c", sftIc);
        p.put("star_second_c_to_i", sftCi);
        return Map.of(TwoAttemptProbe.NAME, p);
    }
}
