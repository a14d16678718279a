package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.Rollout;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-problem selection STaR, B-STaR and sharpening share. */
class ProblemGroupsTest {
    static Rollout rollout(String problem, int sample, String text, double reward) {
        return new Rollout(1, problem, sample, new int[] {1}, new int[] {2}, new float[] {-1f}, text, "eos", 1.0, reward, reward >= 1, false, 0, "");
    }

    @Test
    void groupsKeepEachProblemsPositionsInOrderOfFirstAppearance() {
        List<Rollout> rs = List.of(rollout("b", 0, "x", 0), rollout("a", 0, "x", 0), rollout("b", 1, "y", 0));
        assertEquals(Map.of("b", List.of(0, 2), "a", List.of(1)), ProblemGroups.of(rs));
        assertEquals(List.of("b", "a"), List.copyOf(ProblemGroups.of(rs).keySet()));
    }

    @Test
    void keepsTheBestRankedEligibleDistinctTextsUpToTheLimitPerProblem() {
        List<Rollout> rs = List.of(
                rollout("a", 0, "same", 0.5), rollout("a", 1, "same", 0.9), rollout("a", 2, "other", 0.7), rollout("a", 3, "third", 0.8),
                rollout("a", 4, "low", 0.1), rollout("b", 0, "only", 0.2));
        List<Rollout> out = ProblemGroups.keepDistinct(rs, Comparator.comparingDouble((Rollout r) -> -r.reward()), r -> r.reward() > 0.15, 2);
        assertEquals(List.of(false, true, false, true, false, true), out.stream().map(Rollout::selected).toList(),
                "a: 0.9 'same' and 0.8 'third' (2 at most); b: its one eligible sample");
        List<Rollout> inOrder = ProblemGroups.keepDistinct(rs, (x, y) -> 0, r -> true, 2);
        assertEquals(List.of(true, false, true, false, false, true), inOrder.stream().map(Rollout::selected).toList(),
                "with equal rank, list order decides and a repeated text is skipped");
    }
}
