package io.autodidact.loop;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    @Test
    void cosineWarmsUpLinearlyThenDecaysToATenthOfThePeak() {
        var s = new LrSchedule(1.0, 10, 110);
        assertEquals(0.1, s.at(0), 1e-12);
        assertEquals(1.0, s.at(9), 1e-12);
        assertEquals(1.0, s.at(10), 1e-12);
        assertEquals(0.55, s.at(60), 1e-12, "half-way down the cosine");
        assertEquals(0.1, s.at(110), 1e-12);
    }

    @Test
    void constantHoldsThePeakAfterWarmup() {
        var s = new LrSchedule(LrSchedule.Kind.CONSTANT, 2.0, 4, 100, 0.2);
        assertEquals(0.5, s.at(0), 1e-12);
        assertEquals(2.0, s.at(50), 1e-12);
        assertEquals(2.0, s.at(99), 1e-12);
    }

    @Test
    void warmupStableDecayHoldsThenDecaysLinearlyOverTheLastFraction() {
        var s = new LrSchedule(LrSchedule.Kind.WSD, 1.0, 10, 100, 0.2);
        assertEquals(1.0, s.at(79), 1e-12, "stable until the last 20 steps");
        assertTrue(s.at(80) < 1.0);
        assertEquals(0.1, s.at(99), 1e-12, "ends at a tenth of the peak");
        assertEquals(0.55, s.at(89) , 0.05);
    }

    @Test
    void unknownScheduleNamesTheFieldAndTheChoices() {
        var e = assertThrows(ConfigMap.ConfigException.class, () -> LrSchedule.kind("linear", "recipe.lr_schedule"));
        assertEquals("recipe.lr_schedule", e.field());
        assertTrue(e.getMessage().contains("cosine"), e.getMessage());
    }
}
