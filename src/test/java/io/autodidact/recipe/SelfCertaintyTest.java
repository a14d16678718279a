package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The self-certainty recipe's selection on hand-made rollouts whose reward holds their certainty. */
class SelfCertaintyTest {
    static Rollout rollout(String problem, int sample, String text, double certainty, boolean correct, String error) {
        return new Rollout(1, problem, sample, new int[] {1}, new int[] {2}, new float[] {-0.5f}, text, "eos", 1.0, certainty, correct,
                false, 0, error);
    }

    static List<Rollout> handMade(boolean flipLabels) {
        List<Rollout> out = new ArrayList<>();
        double[] c = {0.2, 0.9, 0.9, 0.4};
        String[] texts = {"a", "b", "b", "c"}; // samples 1 and 2 are equally certain duplicates
        for (int i = 0; i < 4; i++) out.add(rollout("p", i, texts[i], c[i], flipLabels ? i % 2 == 0 : i % 2 == 1, flipLabels ? "no answer" : ""));
        out.add(rollout("q", 0, "z", 0.3, !flipLabels, ""));
        return out;
    }

    static List<Boolean> kept(List<Rollout> rollouts) {
        return rollouts.stream().map(Rollout::selected).toList();
    }

    @Test
    void sharpenSftKeepsTheMostCertainDistinctSamplesPerProblem() {
        SelfCertainty one = new SelfCertainty(Map.of("mode", "sharpen-sft"));
        assertEquals(List.of(false, true, false, false, true), kept(one.select(1, handMade(false))));
        SelfCertainty two = new SelfCertainty(Map.of("mode", "sharpen-sft", "max_per_problem", 2));
        assertEquals(List.of(false, true, false, true, true), kept(two.select(1, handMade(false))),
                "the duplicate of sample 1 is skipped, so the next most certain distinct sample (3) is kept");
    }

    @Test
    void sharpenSftSelectionNeverReadsAnswersVerdictsOrScoringErrors() {
        SelfCertainty r = new SelfCertainty(Map.of("mode", "sharpen-sft", "max_per_problem", 2));
        assertEquals(kept(r.select(1, handMade(false))), kept(r.select(1, handMade(true))),
                "flipping every correct flag and failing every score changes nothing");
    }

    @Test
    void sharpenRlGivesGroupAdvantagesOfTheCertainty() {
        SelfCertainty r = new SelfCertainty(Map.of("mode", "sharpen-rl", "advantage", "drgrpo"));
        List<Rollout> out = r.select(1, handMade(false));
        double mean = (0.2 + 0.9 + 0.9 + 0.4) / 4;
        assertEquals(0.2 - mean, out.get(0).advantage(), 1e-12);
        assertEquals(0.9 - mean, out.get(1).advantage(), 1e-12);
        assertFalse(out.get(4).selected(), "a group of one has equal rewards: dynamic sampling skips it");
        assertTrue(r.trainPlan(1).objective().needsOldLogprobs(), "the update is Grpo's clipped policy gradient");
    }

    @Test
    void monitorsReportCertaintyAndForMonitoringOnlyTheAccuracyOfWhatWasPicked() {
        SelfCertainty r = new SelfCertainty(Map.of());
        Map<String, Double> m = SelfCertainty.monitors(r.select(1, handMade(false)));
        assertEquals((0.2 + 0.9 + 0.9 + 0.4 + 0.3) / 5, m.get("certainty_mean"), 1e-12);
        assertEquals((0.9 + 0.3) / 2, m.get("certainty_selected_mean"), 1e-12);
        assertEquals(3 / 5.0, m.get("sample_accuracy"), 1e-12);
        assertEquals(1.0, m.get("selected_accuracy"), 1e-12, "sample 1 of p and q's only sample are correct");
        assertEquals(1.0, m.get("most_certain_accuracy"), 1e-12);
        Map<String, Double> unjudged = SelfCertainty.monitors(r.select(1, handMade(true)));
        assertEquals(0.0, unjudged.get("selected_accuracy"), "only q could be judged, and it is wrong there");
        assertEquals(m.get("certainty_mean"), unjudged.get("certainty_mean"), "certainty does not depend on labels");
    }

    @Test
    void theShippedConfigsBuildTheirRecipe() {
        for (String f : List.of("configs/recipes/self-certainty-addition.yaml", "configs/recipes/sharpen-rl-addition.yaml")) {
            var spec = io.autodidact.loop.RunSpecReader.read(java.nio.file.Path.of(f), List.of());
            assertEquals(SelfCertainty.NAME, Recipes.named(spec.recipe().name(), spec.recipe().options()).name(), f);
        }
    }

    @Test
    void optionsAreResolvedPerModeAndBadOnesNamed() {
        assertEquals("sharpen-sft", new SelfCertainty(Map.of()).options().get("mode"));
        assertEquals(300, new SelfCertainty(Map.of()).options().get("train_steps"));
        assertEquals("grpo", new SelfCertainty(Map.of("mode", "sharpen-rl")).options().get("advantage"));
        var bad = assertThrows(IllegalArgumentException.class, () -> new SelfCertainty(Map.of("mode", "sharpen")));
        assertTrue(bad.getMessage().contains("recipe.mode"), bad.getMessage());
        var wrongMode = assertThrows(IllegalArgumentException.class, () -> new SelfCertainty(Map.of("kernel", "python")));
        assertTrue(wrongMode.getMessage().contains("kernel"), wrongMode.getMessage());
        assertEquals("mode", SelfCertainty.OPTIONS.getFirst().name());
        assertTrue(SelfCertainty.OPTIONS.stream().anyMatch(o -> o.name().equals("eps_high") && o.meaning().startsWith("sharpen-rl")));
    }
}
