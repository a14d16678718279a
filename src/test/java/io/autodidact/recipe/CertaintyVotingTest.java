package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Best-of-N and Borda voting by self-certainty on hand-made inputs. */
class CertaintyVotingTest {
    static List<Optional<String>> answers(String... a) {
        return java.util.Arrays.stream(a).map(s -> s == null ? Optional.<String>empty() : Optional.of(s)).toList();
    }

    @Test
    void mostCertainPicksTheHighestAndTheFirstAmongEquals() {
        assertEquals(2, CertaintyVoting.mostCertain(new double[] {0.1, 0.5, 0.9, 0.3}));
        assertEquals(1, CertaintyVoting.mostCertain(new double[] {0.1, 0.7, 0.7}));
        assertEquals(0, CertaintyVoting.mostCertain(new double[] {0.4}), "N = 1");
        assertThrows(IllegalArgumentException.class, () -> CertaintyVoting.mostCertain(new double[0]));
    }

    @Test
    void bordaWeightsRanksByNMinusRPlusOneToThePower() {
        // certainty ranks: s0 r=4, s1 r=1, s2 r=2, s3 r=3. p = 1: votes 1, 4, 3, 2.
        double[] c = {0.1, 0.9, 0.8, 0.5};
        // "A" (s0 + s3) = 1 + 2 = 3 < "B" (s1) = 4 < ... "C" (s2) = 3; B wins
        assertEquals(OptionalInt.of(1), CertaintyVoting.borda(answers("A", "B", "C", "A"), c, 1.0));
        // p = 0.5: A = 1 + sqrt 2 = 2.414 > B = 2 > C = sqrt 3 = 1.732: the certainty-weighted majority
        assertEquals(OptionalInt.of(0), CertaintyVoting.borda(answers("A", "B", "C", "A"), c, 0.5));
        // p = 2: A = 1 + 4 = 5 < B = 16
        assertEquals(OptionalInt.of(1), CertaintyVoting.borda(answers("A", "B", "C", "A"), c, 2.0));
    }

    @Test
    void powerZeroIsMajorityVoting() {
        double[] c = {0.9, 0.1, 0.2};
        assertEquals(OptionalInt.of(1), CertaintyVoting.borda(answers("X", "Y", "Y"), c, 0));
        assertEquals(OptionalInt.of(1), CertaintyVoting.majority(answers("X", "Y", "Y")));
    }

    @Test
    void tiesGoToTheAnswerWhoseFirstSampleComesFirstAndEqualCertaintiesKeepSampleOrder() {
        assertEquals(OptionalInt.of(0), CertaintyVoting.majority(answers("X", "Y", "Y", "X")), "2 votes each: X was seen first");
        // equal certainties rank by sample order: s0 r=1 (2 votes), s1 r=2 (1 vote) at p = 1
        assertEquals(OptionalInt.of(0), CertaintyVoting.borda(answers("X", "Y"), new double[] {0.5, 0.5}, 1.0));
        assertEquals(List.of(1, 0, 2), CertaintyVoting.byCertainty(new double[] {0.5, 0.7, 0.5}));
    }

    @Test
    void samplesWithoutAnAnswerGiveNoVotesButCountInN() {
        // N = 3 even though one sample has no answer: the most certain (s1, no answer) would give 3 votes
        double[] c = {0.2, 0.9, 0.5};
        assertEquals(OptionalInt.of(2), CertaintyVoting.borda(answers("X", null, "Y"), c, 1.0), "Y (rank 2: 2 votes) beats X (rank 3: 1)");
        assertEquals(OptionalInt.empty(), CertaintyVoting.borda(answers(null, null), new double[] {1, 2}, 0.5));
        assertEquals(OptionalInt.of(0), CertaintyVoting.borda(answers("only"), new double[] {0.3}, 0.5), "N = 1");
    }

    @Test
    void refusesMismatchedInputsAndNegativePower() {
        assertThrows(IllegalArgumentException.class, () -> CertaintyVoting.borda(answers("X"), new double[] {1, 2}, 0.5));
        var e = assertThrows(IllegalArgumentException.class, () -> CertaintyVoting.borda(answers("X"), new double[] {1}, -1));
        assertTrue(e.getMessage().contains("power"), e.getMessage());
    }
}
