package io.autodidact.reproduce;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.reproduce.Reproduction.ArmResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The self-rewarding-dpo verdict's arithmetic on hand-made arms. */
class SelfRewardingDpoReproductionTest {

    @Test
    void holdsWhenTheSelfCertaintyArmGainsMoreThanTwoStandardErrorsOfTheBase() {
        // base 0.2 on 600 problems: 2 * sqrt(0.2 * 0.8 / 600) = 3.27 points
        ArmResult llm = ReproductionsTest.arm("llm-judge", new double[] {0.2, 0.19}, 6000,
                Map.of("select_pair_accuracy", new double[] {Double.NaN, 0.1}, "select_pair_inverted", new double[] {Double.NaN, 0.1}));
        ArmResult up = ReproductionsTest.arm("self-certainty", new double[] {0.2, 0.22, 0.234}, 6000,
                Map.of("select_pair_accuracy", new double[] {Double.NaN, 0.3, 0.5}, "select_pair_inverted", new double[] {Double.NaN, 0.1, 0.1}));
        var held = Reproductions.judgeSelfRewardingDpo(Map.of("self-certainty", up, "llm-judge", llm), Map.of());
        assertEquals(3.266, (double) held.numbers().get("threshold_points"), 1e-3);
        assertEquals(0.4, (double) held.numbers().get("self-certainty_pair_accuracy_mean"), 1e-12);
        assertTrue(held.held(), held.explanation());

        ArmResult short_ = ReproductionsTest.arm("self-certainty", new double[] {0.2, 0.22, 0.232}, 6000, Map.of());
        var not = Reproductions.judgeSelfRewardingDpo(Map.of("self-certainty", short_, "llm-judge", llm), Map.of());
        assertFalse(not.held(), "3.2 points is within 2 standard errors: " + not.explanation());
    }
}
