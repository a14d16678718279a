package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** B-STaR's balance score, its choice of temperature and threshold, and its selection, on hand-made rollouts. */
class BStarTest {
    static Rollout rollout(String problem, int sample, String text, double reward, boolean correct) {
        return new Rollout(1, problem, sample, new int[] {1}, new int[] {2}, new float[] {-1f}, text, "eos", 1.0, reward, correct, false, 0, "");
    }

    @Test
    void balanceScoreIsExplorationTimesExploitation() {
        assertEquals(0.5 * 1.0, BStar.balance(2, 2, 4), 1e-12, "2 of n*=4 distinct correct, all selected correct");
        assertEquals(1.0 * 4 / 8.0, BStar.balance(4, 8, 4), 1e-12, "full exploration, half the selection wrong");
        assertEquals(1.0, BStar.balance(6, 6, 4), 1e-12, "more than n* distinct correct caps exploration at 1");
        assertEquals(0, BStar.balance(0, 0, 4), "nothing selected scores 0");
        assertEquals(0, BStar.balance(0, 3, 4), "only wrong samples selected scores 0");
    }

    @Test
    void meanBalanceDeduplicatesByTextAndSelectsByRewardAboveTheThreshold() {
        List<Rollout> rs = List.of(
                rollout("a", 0, "x", 1.0, true), rollout("a", 1, "x", 1.0, true), rollout("a", 2, "y", 0.6, false),
                rollout("b", 0, "z", 0.2, false), rollout("b", 1, "w", 0.9, true));
        // tau 0.5: a selects {x, y} (x correct) -> min(1/2,1) * 1/2 = 0.25; b selects {w} -> 0.5 * 1 = 0.5
        assertEquals((0.25 + 0.5) / 2, BStar.meanBalance(rs, 0.5, 2), 1e-12);
        // tau 0.7: a selects {x} -> 0.5; b {w} -> 0.5
        assertEquals(0.5, BStar.meanBalance(rs, 0.7, 2), 1e-12);
        // tau 0.95: a {x} -> 0.5; b nothing -> 0
        assertEquals(0.25, BStar.meanBalance(rs, 0.95, 2), 1e-12);
    }

    /** A probe that answers each temperature with prepared rollouts: at 0.7 two distinct correct per problem, else one. */
    record FakePlanning(List<Double> asked) implements Recipe.Planning {
        public int iteration() {
            return 1;
        }

        public long seed() {
            return 7;
        }

        public int maxNewTokens() {
            return 8;
        }

        public int problems() {
            return 2;
        }

        public List<Rollout> probe(int problems, SamplingParams params) {
            asked.add(params.temperature());
            assertEquals(2, problems);
            assertEquals(7, params.seed(), "every temperature is probed with the same seed");
            List<Rollout> out = new ArrayList<>();
            for (String p : List.of("a", "b")) {
                boolean diverse = Math.abs(params.temperature() - 0.7) < 1e-9;
                out.add(rollout(p, 0, "c1", 1, true));
                out.add(rollout(p, 1, diverse ? "c2" : "c1", 1, true));
                out.add(rollout(p, 2, "w", params.temperature() > 0.8 ? 0.5 : 0, false));
            }
            return out;
        }
    }

    @Test
    void planChoosesTheTemperatureAndThresholdWithTheHighestMeanBalanceScore() {
        BStar b = new BStar(Map.of("samples", 3, "temperature_min", 0.4, "temperature_max", 1.0, "temperature_step", 0.3,
                "threshold_min", 0.0, "threshold_max", 0.6, "threshold_step", 0.3, "n_star", 2));
        List<Double> asked = new ArrayList<>();
        Map<String, Double> controls = b.plan(new FakePlanning(asked));
        assertEquals(List.of(0.4, 0.7, 1.0), asked);
        assertEquals(0.7, controls.get("temperature"), 1e-12, "two distinct correct samples per problem at 0.7");
        assertEquals(0.0, controls.get("reward_threshold"), 1e-12, "the first threshold of the grid on a tie");
        assertEquals(1.0, controls.get("balance_score"), 1e-12);
        assertEquals(0.5, controls.get("balance_score_t0.4"), 1e-12);
        // At 1.0 the wrong sample scores 0.5: tau 0 selects it (score 0.5 * 1/2), tau 0.6 does not (0.5).
        assertEquals(0.5, controls.get("balance_score_t1.0"), 1e-12);

        Recipe configured = b.configured(controls);
        assertEquals(0.7, configured.sampling(1, 8, 1).temperature(), 1e-12);
        var e = assertThrows(IllegalStateException.class, () -> b.sampling(1, 8, 1), "unplanned B-STaR has no temperature");
        assertTrue(e.getMessage().contains("PLAN"), e.getMessage());
    }

    @Test
    void selectKeepsDistinctSamplesAboveTheThresholdBestFirstUpToTheCap() {
        Recipe b = new BStar(Map.of("max_per_problem", 2)).configured(Map.of("temperature", 0.8, "reward_threshold", 0.3));
        List<Rollout> rs = List.of(rollout("a", 0, "x", 0.4, false), rollout("a", 1, "y", 1.0, true), rollout("a", 2, "y", 1.0, true),
                rollout("a", 3, "z", 0.9, true), rollout("b", 0, "q", 0.3, false));
        List<Rollout> out = b.select(1, rs);
        assertEquals(List.of(false, true, false, true, false), out.stream().map(Rollout::selected).toList(),
                "y and z (best rewards, distinct), not the duplicate y, not x beyond the cap, not q at the threshold");
    }

    @Test
    void gridAndOptionsAreValidated() {
        assertEquals(List.of(0.5, 0.6, 0.7), BStar.grid("f", 0.5, 0.7, 0.1));
        var e = assertThrows(IllegalArgumentException.class, () -> new BStar(Map.of("temperature_min", 1.0, "temperature_max", 0.5)));
        assertTrue(e.getMessage().contains("recipe.temperature_max"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BStar(Map.of("temprature_min", 1.0)), "unknown keys are refused");
        assertEquals(BStar.OPTIONS.stream().map(o -> o.name()).toList(), List.copyOf(new BStar(Map.of()).options().keySet()),
                "every option is documented, in order");
    }
}
