package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.Objective;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The recipe's own decisions: advantages per group, dynamic sampling, options and the objective it asks for. */
class GrpoTest {
    static Rollout rollout(String problem, int sample, double reward) {
        return new Rollout(1, problem, sample, new int[] {1}, new int[] {2, 3}, new float[] {-1f, -2f}, "t" + sample, "eos", 1.0,
                reward, reward >= 1, false, 0, "");
    }

    @Test
    void selectGivesGroupAdvantagesAndSkipsGroupsWhoseRewardsAreAllEqual() {
        List<Rollout> scored = new ArrayList<>();
        double[] mixed = {1, 0, 0, 1};
        for (int i = 0; i < 4; i++) scored.add(rollout("a", i, mixed[i]));
        for (int i = 0; i < 4; i++) scored.add(rollout("b", i, 1));
        List<Rollout> out = new Grpo(Map.of("samples", 4)).select(1, scored);
        assertEquals(8, out.size());
        double std = Math.sqrt(4 * 0.25 / 3); // sample std of {1, 0, 0, 1}
        assertEquals(0.5 / (std + 1e-6), out.get(0).advantage(), 1e-9);
        assertEquals(-0.5 / (std + 1e-6), out.get(1).advantage(), 1e-9);
        for (int i = 0; i < 4; i++) assertTrue(out.get(i).selected());
        for (int i = 4; i < 8; i++) {
            assertFalse(out.get(i).selected(), "an all-correct group carries no signal");
            assertEquals(0, out.get(i).advantage());
        }
        List<Rollout> kept = new Grpo(Map.of("samples", 4, "dynamic_sampling", false)).select(1, scored);
        assertTrue(kept.get(5).selected(), "without dynamic sampling every rollout is trained on, equal groups with advantage 0");
        assertEquals(0, kept.get(5).advantage());
    }

    @Test
    void groupAdvantageEstimatorsFollowTheirFormulas() {
        double[] r = {1, 0, 0, 0};
        assertArrayEquals(new double[] {0.75, -0.25, -0.25, -0.25}, GroupAdvantages.DRGRPO.of(r), 1e-12);
        assertArrayEquals(new double[] {1, -1 / 3.0, -1 / 3.0, -1 / 3.0}, GroupAdvantages.RLOO.of(r), 1e-12);
        assertEquals(0.75 / (0.5 + 1e-6), GroupAdvantages.GRPO.of(r)[0], 1e-9);
    }

    @Test
    void trainPlanAsksForTheClippedLossWithOldLogprobsAndRefusesBadOptions() {
        Recipe.TrainPlan plan = new Grpo(Map.of("eps_high", 0.28, "averaging", "token", "kl_coef", 0.05, "epochs", 2)).trainPlan(1);
        assertEquals(Objective.Loss.POLICY_GRADIENT, plan.objective().loss());
        assertEquals(0.28, plan.objective().epsHigh());
        assertEquals(Objective.Averaging.TOKEN, plan.objective().averaging());
        assertTrue(plan.objective().needsReferenceLogprobs());
        assertTrue(plan.byEpochs());
        assertEquals(0, plan.demonstrationMix());
        var e = assertThrows(IllegalArgumentException.class, () -> new Grpo(Map.of("averaging", "mean")));
        assertTrue(e.getMessage().contains("recipe.averaging"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Grpo(Map.of("kernel", "no/such/kernel.py")));
        assertTrue(e.getMessage().contains("recipe.kernel"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Grpo(Map.of("eps_lo", 0.1)), "unknown keys are refused");
    }
}
