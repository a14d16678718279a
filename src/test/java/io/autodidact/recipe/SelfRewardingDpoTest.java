package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.Objective;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.PreferencePair;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** Self-rewarding DPO's pair construction, options and monitors on hand-made judge scores. */
class SelfRewardingDpoTest {
    static Rollout rollout(String problem, int sample, String text, double score) {
        int[] completion = text.isEmpty() ? new int[0] : new int[] {2};
        float[] lp = text.isEmpty() ? new float[0] : new float[] {-0.5f};
        return new Rollout(1, problem, sample, new int[] {1}, completion, lp, text, "eos", 1.0, score, false, false, 0, "");
    }

    static List<int[]> pairs(double[] scores, String[] texts, int max, double margin) {
        return SelfRewardingDpo.pairs(Arrays.stream(scores).boxed().toList(), Arrays.asList(texts), max, margin);
    }

    static String show(List<int[]> pairs) {
        return pairs.stream().map(Arrays::toString).toList().toString();
    }

    @Test
    void pairsTheHighestAgainstTheLowestDistinctSampleThenInward() {
        double[] s = {0.3, 0.9, 0.1, 0.5, 0.7, 0.2};
        String[] t = {"a", "b", "c", "d", "e", "f"};
        assertEquals("[[1, 2]]", show(pairs(s, t, 1, 0)));
        assertEquals("[[1, 2], [4, 5], [3, 0]]", show(pairs(s, t, 3, 0)), "2nd best (0.7) vs 2nd worst (0.2), then 0.5 vs 0.3");
        assertEquals("[[1, 2], [4, 5]]", show(pairs(s, t, 3, 0.25)), "the third pair's gap 0.2 does not exceed min_margin 0.25");
    }

    @Test
    void tiesDuplicatesAndEmptyCompletionsGiveNoPair() {
        assertEquals("[]", show(pairs(new double[] {0.4, 0.4, 0.4}, new String[] {"a", "b", "c"}, 1, 0)), "all scores tie");
        assertEquals("[]", show(pairs(new double[] {0.9, 0.1}, new String[] {"a", "a"}, 1, 0)), "one distinct text");
        assertEquals("[[0, 1]]", show(pairs(new double[] {0.9, 0.8, 0.1}, new String[] {"a", "b", null}, 1, 0)),
                "the empty completion (null text), though scored lowest, is skipped");
        assertEquals("[]", show(pairs(new double[] {0.5, 0.2}, new String[] {"a", "b"}, 1, 0.3)), "gap 0.3 is not > 0.3");
    }

    @Test
    void selectMarksEachProblemsPairsAndLeavesTheRestUnselected() {
        SelfRewardingDpo recipe = new SelfRewardingDpo(Map.of("samples", 4));
        List<Rollout> in = new ArrayList<>(List.of(rollout("p", 0, "a", 0.2), rollout("p", 1, "b", 0.8), rollout("p", 2, "c", 0.5),
                rollout("p", 3, "b", 0.8), rollout("q", 0, "x", 0.4), rollout("q", 1, "y", 0.4)));
        List<Rollout> out = recipe.select(1, in);
        assertEquals(List.of(true, true, false, false, false, false), out.stream().map(Rollout::selected).toList());
        assertEquals(-1.0, out.get(0).advantage());
        assertEquals(1.0, out.get(1).advantage());
        List<PreferencePair> pairs = PreferencePair.of(out);
        assertEquals(1, pairs.size(), "q's samples tie: no pair");
        assertEquals(1, pairs.getFirst().chosen().sampleIndex());
        assertEquals(0, pairs.getFirst().rejected().sampleIndex());
        Map<String, Double> m = SelfRewardingDpo.monitors(out);
        assertEquals(1.0, m.get("pairs"));
        assertEquals(0.5, m.get("pair_rate"));
        assertEquals(0.6, m.get("judge_margin"), 1e-12);
    }

    @Test
    void verifiedMonitorsCountPairsTheVerifierAgreesWith() {
        SelfRewardingDpo recipe = new SelfRewardingDpo(Map.of("samples", 4, "pairs_per_problem", 2));
        List<Rollout> out = recipe.select(1, List.of(rollout("p", 0, "a", 0.9), rollout("p", 1, "b", 0.1), rollout("p", 2, "c", 0.6),
                rollout("p", 3, "d", 0.3), rollout("q", 0, "x", 0.7), rollout("q", 1, "y", 0.2)));
        // pairs: p (0 over 1), p (2 over 3), q (0 over 1); verdicts: p0 right, p1 wrong, p2 wrong, p3 right, q0 right, q1 right
        Map<String, Double> m = recipe.verifiedMonitors(1, out, List.of(true, false, false, true, true, true));
        assertEquals(1 / 3.0, m.get("pair_accuracy"), 1e-12);
        assertEquals(1 / 3.0, m.get("pair_inverted"), 1e-12);
        assertEquals(2 / 3.0, m.get("chosen_accuracy"), 1e-12);
        assertEquals(2 / 3.0, m.get("rejected_accuracy"), 1e-12);
    }

    @Test
    void itsOwnRewardScoresNothingSoNoVerdictReachesSelect() {
        var reward = new SelfRewardingDpo(Map.of()).ownReward(Optional.empty()).orElseThrow();
        Problem p = new Problem("p", "12+34=", Optional.of("46"), Optional.empty(), OptionalDouble.empty(), Map.of());
        for (String completion : List.of(">64", ">00"))
            for (Score s : reward.score(List.of(new Sample(p, completion)))) {
                assertEquals(0.0, s.reward());
                assertFalse(s.correct());
            }
    }

    @Test
    void trainsWithDpoOnPairsAndRefusesBadOptionsNamingThem() {
        SelfRewardingDpo recipe = new SelfRewardingDpo(Map.of("beta", 0.2, "reference", "base", "kernel", "python", "batch_size", 5));
        Objective o = recipe.trainPlan(1).objective();
        assertEquals(Objective.Loss.DPO, o.loss());
        assertEquals(0.2, o.beta());
        assertEquals(Objective.Reference.BASE, o.reference());
        assertFalse(o.kernel().isJava());
        assertEquals(5, recipe.trainPlan(1).batchSize());
        assertEquals(Objective.Reference.START, new SelfRewardingDpo(Map.of()).trainPlan(1).objective().reference());
        for (var bad : List.of(Map.<String, Object>of("judge", "oracle"), Map.<String, Object>of("pairs_per_problem", 3, "samples", 4),
                Map.<String, Object>of("reference", "previous"), Map.<String, Object>of("beta", 0), Map.<String, Object>of("judge_template", "{prompt}"),
                Map.<String, Object>of("judge_yes", "0"), Map.<String, Object>of("kernel", "cuda"), Map.<String, Object>of("sample", 4))) {
            String key = bad.keySet().stream().filter(k -> !k.equals("samples")).findFirst().orElseThrow();
            var e = assertThrows(ConfigMap.ConfigException.class, () -> new SelfRewardingDpo(bad), bad.toString());
            assertTrue(e.getMessage().contains("recipe." + key), bad + " -> " + e.getMessage());
        }
    }
}
