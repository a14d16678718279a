package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Guide's selection on hand-made groups: which hinted groups train, with which advantages, and what it reports. */
class GuideTest {
    private static Rollout r(String problem, int index, boolean correct, String hint) {
        return new Rollout(1, problem, index, new int[] {1}, new int[] {2}, new float[] {-0.5f}, correct ? "right" : "wrong", "eos", 1.0,
                correct ? 1 : 0, correct, false, 0, "", hint);
    }

    private static List<Rollout> group(String problem, int from, String hint, boolean... correct) {
        List<Rollout> out = new ArrayList<>();
        for (int i = 0; i < correct.length; i++) out.add(r(problem, from + i, correct[i], hint));
        return out;
    }

    @Test
    void aHintedGroupIsKeptOnlyWhenItsAccuracyIsStrictlyBetweenZeroAndOne() {
        assertTrue(Guide.keeps(group("a", 4, ">1\n", true, false, false, false)));
        assertTrue(Guide.keeps(group("a", 4, ">1\n", true, true, true, false)));
        assertFalse(Guide.keeps(group("a", 4, ">1\n", false, false, false, false)), "accuracy 0: no signal");
        assertFalse(Guide.keeps(group("a", 4, ">1\n", true, true, true, true)), "accuracy 1: no signal");
    }

    @Test
    void failedPlainGroupsAreLeftOutAndTheirMixedHintedGroupsTrainWithAdvantagesWithinTheHintedGroup() {
        Guide guide = new Guide(Map.of("samples", 4));
        List<Rollout> scored = new ArrayList<>();
        scored.addAll(group("mixed", 0, "", true, false, false, true));        // plain signal
        scored.addAll(group("rescued", 0, "", false, false, false, false));    // failed ...
        scored.addAll(group("rescued", 4, ">7\n", true, false, false, false)); // ... and rescued by the hint
        scored.addAll(group("hopeless", 0, "", false, false, false, false));   // failed ...
        scored.addAll(group("hopeless", 4, ">9\n", false, false, false, false)); // ... even with the hint
        Recipe.Selection s = guide.select(1, scored, null);
        List<Rollout> out = s.rollouts();
        assertEquals(scored.size(), out.size());
        for (int i = 0; i < out.size(); i++) {
            Rollout o = out.get(i);
            assertEquals(scored.get(i).problemId(), o.problemId(), "order kept");
            boolean hintedRescue = o.problemId().equals("rescued") && o.hinted();
            boolean plainMixed = o.problemId().equals("mixed");
            assertEquals(hintedRescue || plainMixed, o.selected(), o.problemId() + "#" + o.sampleIndex());
            if (!o.selected()) assertEquals(0, o.advantage(), "left out rows carry no advantage");
        }
        // GRPO advantages within the hinted group alone: one of four right, (1 - 0.25) / std and (0 - 0.25) / std, std = 0.5.
        assertEquals(1.5, out.get(8).advantage(), 1e-4);
        assertEquals(-0.5, out.get(9).advantage(), 1e-4);
        assertEquals(1.0 / 3, s.monitors().get("signal_share_plain"), 1e-12);
        assertEquals(2.0 / 3, s.monitors().get("signal_share_guided"), 1e-12);
        assertEquals(2.0, s.monitors().get("hinted_groups"));
        assertEquals(1.0, s.monitors().get("hinted_groups_kept"));
    }

    @Test
    void trainsWithGrposObjectiveShapedByItsGammaPercentile() {
        Guide guide = new Guide(Map.of("samples", 8, "gamma_percentile", 0.75, "lr", 0.001));
        Recipe.TrainPlan plan = guide.trainPlan(1);
        assertEquals(0.75, plan.objective().offPolicyPercentile());
        assertTrue(plan.objective().needsOldLogprobs());
        assertEquals(0.001, plan.lr());
        assertEquals(8, guide.rationalizationSamples(), "hint_samples defaults to samples");
        assertEquals(0.75, guide.options().get("gamma_percentile"));
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        var e = assertThrows(ConfigMap.ConfigException.class, () -> new Guide(Map.of("gamma_percentile", 1.5)));
        assertTrue(e.getMessage().startsWith("recipe.gamma_percentile"), e.getMessage());
        e = assertThrows(ConfigMap.ConfigException.class, () -> new Guide(Map.of("hint_samples", 1)));
        assertTrue(e.getMessage().startsWith("recipe.hint_samples"), e.getMessage());
        e = assertThrows(ConfigMap.ConfigException.class, () -> new Guide(Map.of("samples", 1)));
        assertTrue(e.getMessage().startsWith("recipe.samples"), e.getMessage());
    }
}
