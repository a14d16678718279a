package io.autodidact.reproduce;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The iterative-deepening reproduction: its configs validate, pass@k at a real k, and the judge on hand-made figures. */
class IterativeDeepeningReproductionTest {
    @Test
    void theReproductionValidates() {
        Reproducer.validate(Reproductions.named("iterative-deepening"), 0, List.of());
    }

    @Test
    void passAtKIsTheUnbiasedEstimatorAtIntegersAndLinearBetweenThem() {
        // n = 4, c = 1: pass@1 = 1/4, pass@2 = 1 - C(3,2)/C(4,2) = 1 - 3/6 = 1/2, pass@3 = 1 - 1/4 = 3/4, pass@4 = 1.
        assertEquals(0.25, DeepeningProbe.passAtK(4, 1, 1), 1e-12);
        assertEquals(0.5, DeepeningProbe.passAtK(4, 1, 2), 1e-12);
        assertEquals(0.75, DeepeningProbe.passAtK(4, 1, 3), 1e-12);
        assertEquals(1.0, DeepeningProbe.passAtK(4, 1, 4.0), 1e-12);
        assertEquals(0.375, DeepeningProbe.passAtK(4, 1, 1.5), 1e-12, "half way between pass@1 and pass@2");
        assertEquals(0.125, DeepeningProbe.passAtK(4, 1, 0.5), 1e-12, "below one sample: that sample with probability k");
        assertEquals(0.0, DeepeningProbe.passAtK(8, 0, 3.7), 1e-12);
        assertEquals(1.0, DeepeningProbe.passAtK(8, 6, 3), 1e-12, "2 wrong of 8: any 3 samples hold a correct one");
        assertEquals((1 - 1.0 / 28 + 1) / 2, DeepeningProbe.passAtK(8, 6, 2.5), 1e-12, "pass@2 = 1 - C(2,2)/C(8,2) = 1 - 1/28");
        // n = 8, c = 2, k = 3: 1 - C(6,3)/C(8,3) = 1 - 20/56.
        assertEquals(1 - 20.0 / 56, DeepeningProbe.passAtK(8, 2, 3), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> DeepeningProbe.passAtK(4, 1, 4.5));
    }

    static Map<String, Double> figures(double trainedDeepening, double trainedPassAtK) {
        Map<String, Double> p = new LinkedHashMap<>();
        for (String x : List.of("base", "star", "iterative_deepening")) {
            p.put(x + "_first_attempt", 0.20);
            p.put(x + "_deepening", 0.30);
            p.put(x + "_deepening_tokens", 70.0);
            p.put(x + "_deepening_rounds", 1.2);
            p.put(x + "_plain_tokens_per_sample", 39.0);
            p.put(x + "_k", 70 / 39.0);
            p.put(x + "_pass_at_k", 0.29);
            p.put(x + "_resample_until_correct", 0.35);
            p.put(x + "_resample_until_correct_tokens", 95.0);
        }
        p.put("iterative_deepening_deepening", trainedDeepening);
        p.put("iterative_deepening_pass_at_k", trainedPassAtK);
        return p;
    }

    @Test
    void holdsWhenTheTrainedPolicyDeepensTwoPointsAbovePassAtKAtEqualTokens() {
        var star = RestMctsReproductionTest.arm("star", 0.20, 0.40);
        var deep = RestMctsReproductionTest.arm("iterative-deepening", 0.20, 0.42);
        var held = Reproductions.judgeIterativeDeepening(Map.of("star", star, "iterative-deepening", deep),
                Map.of(DeepeningProbe.NAME, figures(0.55, 0.52)));
        assertTrue(held.held(), held.explanation());
        assertEquals(3.0, (double) held.numbers().get("advantage_points"), 1e-9);
        assertTrue(held.explanation().contains("pass@1.79"), held.explanation());
        var notHeld = Reproductions.judgeIterativeDeepening(Map.of("star", star, "iterative-deepening", deep),
                Map.of(DeepeningProbe.NAME, figures(0.53, 0.52)));
        assertFalse(notHeld.held(), "+1 point is under the 2-point threshold: " + notHeld.explanation());
        assertEquals(20.0, (double) notHeld.numbers().get("star_gain_points"), 1e-9);
    }
}
