package io.autodidact.store.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TicksTest {

    @Test
    void ticksAreRoundNumbersCoveringTheRange() {
        Ticks rate = Ticks.covering(0, 1, 5);
        assertEquals(List.of(0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0), rate.values());
        assertEquals("0.6", rate.label(rate.values().get(3)));

        Ticks counts = Ticks.covering(3, 117, 5);
        assertEquals(0.0, counts.min());
        assertEquals(125.0, counts.max());
        assertEquals(25.0, counts.step());
        assertEquals("75", counts.label(75));
    }

    @Test
    void iterationTicksNeverUseFractionalSteps() {
        Ticks t = Ticks.integers(1, 3, 8);
        assertEquals(1.0, t.step());
        assertEquals(List.of(1.0, 2.0, 3.0), t.values());
        assertEquals(List.of(0.0, 1.0), Ticks.integers(0, 0, 8).values().subList(0, 2));
    }

    @Test
    void quarterStepsGetTwoDecimals() {
        Ticks t = Ticks.covering(0, 1, 4);
        assertEquals(0.25, t.step());
        assertEquals("0.25", t.label(0.25));
    }
}
