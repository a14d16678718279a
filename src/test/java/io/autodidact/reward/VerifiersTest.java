package io.autodidact.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Problem;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class VerifiersTest {

    private static Sample sample(String answer, String completion) {
        return new Sample(Problem.of("p1", "question?", answer, 1), completion);
    }

    private static Score one(Reward reward, String answer, String completion) {
        List<Score> scores = reward.score(List.of(sample(answer, completion)));
        assertEquals(1, scores.size());
        return scores.getFirst();
    }

    @Test
    void exactMatchComparesTrimmedLastLine() {
        Reward exact = new ExactMatchVerifier();
        assertTrue(one(exact, " Paris ", "Let me think.\nThe capital.\n  Paris  \n\n").correct());
        assertFalse(one(exact, "Paris", "Paris\nparis").correct(), "case counts");
        assertFalse(one(exact, "Paris", "").correct());
        assertEquals(1.0, one(exact, "42", "42").reward());
        assertEquals(0.0, one(exact, "42", "43").reward());
    }

    @Test
    void exactMatchAfterMarkerTakesTheLastMarkerUpToEndOfLine() {
        Reward exact = Verifiers.named("exact", Map.of("marker", "####"));
        assertTrue(one(exact, "18", "#### 5 is wrong\nso #### 18\nthat was it").correct());
        Score missing = one(exact, "18", "no marker here 18");
        assertFalse(missing.correct());
        assertEquals("", missing.error(), "a completion without an answer is wrong, not a failure");
        assertTrue(missing.message().contains("no answer"), missing.message());
    }

    @Test
    void numericAcceptsWithinToleranceAndRejectsOutside() {
        Reward numeric = new NumericVerifier(AnswerExtractor.lastLine(), 0.01, 0);
        assertTrue(one(numeric, "3.14159", "pi is about\n3.14").correct());
        assertFalse(one(numeric, "3.14159", "pi is about\n3.1").correct());
        assertTrue(one(numeric, "1234", "So the total is $1,234.").correct(), "last number, separators");
        assertTrue(one(numeric, "0.75", "3/4").correct(), "fraction");
        assertTrue(one(numeric, "-2", "x = -2.000").correct());
        assertTrue(one(numeric, "1e3", "1000").correct());
        assertFalse(one(numeric, "7", "seven").correct());
    }

    @Test
    void numericRelativeToleranceScalesWithTheAnswer() {
        Reward numeric = Verifiers.named("numeric", Map.of("abs_tol", 0, "rel_tol", 0.01));
        assertTrue(one(numeric, "1000000", "1005000").correct());
        assertFalse(one(numeric, "1000000", "1020000").correct());
        assertFalse(one(numeric, "1", "1.02").correct());
    }

    @Test
    void numericFailsTheSampleWhenTheReferenceIsNotANumber() {
        Score score = one(new NumericVerifier(), "Paris", "Paris");
        assertFalse(score.correct());
        assertTrue(score.error().contains("p1") && score.error().contains("not a number"), score.error());
    }

    @Test
    void regexVerifierUsesTheLastMatchOfItsCaptureGroup() {
        Reward regex = Verifiers.named("regex", Map.of("pattern", "\\\\boxed\\{([^}]*)\\}"));
        assertTrue(one(regex, "x+1", "first \\boxed{x} then \\boxed{x+1} done").correct());
        assertFalse(one(regex, "x", "first \\boxed{x} then \\boxed{x+1} done").correct());
        assertFalse(one(regex, "x", "no box").correct());
    }

    @Test
    void regexVerifierCanCompareNumerically() {
        Reward regex = Verifiers.named("regex", Map.of("pattern", "answer: (\\S+)", "compare", "numeric"));
        assertTrue(one(regex, "12", "answer: 12.0").correct());
        assertFalse(one(regex, "12", "answer: 13").correct());
        assertEquals("regex", regex.name());
    }

    @Test
    void regexNeedsExactlyOneCaptureGroup() {
        var none = assertThrows(IllegalArgumentException.class, () -> new RegexAnswerVerifier("answer: \\d+"));
        assertTrue(none.getMessage().contains("0 capture groups"), none.getMessage());
        var two = assertThrows(IllegalArgumentException.class, () -> new RegexAnswerVerifier("(a)(b)"));
        assertTrue(two.getMessage().contains("2 capture groups"), two.getMessage());
        var bad = assertThrows(IllegalArgumentException.class, () -> new RegexAnswerVerifier("(unclosed"));
        assertTrue(bad.getMessage().contains("not a valid regex"), bad.getMessage());
    }

    @Test
    void everyVerifierFailsAProblemWithoutAnswerInsteadOfThrowing() {
        Problem unlabeled = new Problem("q7", "prompt", Optional.empty(), Optional.empty(), OptionalDouble.empty(),
                Map.of());
        for (Reward reward : List.of(new ExactMatchVerifier(), new NumericVerifier(),
                new RegexAnswerVerifier("=(\\d+)"))) {
            List<Score> scores = reward.score(List.of(new Sample(unlabeled, "42"), sample("42", "42")));
            assertEquals("problem q7 has no answer; this verifier needs one", scores.get(0).error(), reward.name());
            assertEquals(0.0, scores.get(0).reward());
            assertFalse(scores.get(0).correct());
            assertEquals("", scores.get(1).error(), "the rest of the batch is still scored");
        }
    }

    @Test
    void factoryBuildsEachNamedVerifier() {
        assertInstanceOf(ExactMatchVerifier.class, Verifiers.named("exact", Map.of()));
        NumericVerifier numeric = (NumericVerifier) Verifiers.named("numeric",
                Map.of("pattern", "= (\\S+)", "abs_tol", "0.5"));
        assertEquals(0.5, numeric.absTol());
        assertInstanceOf(AnswerExtractor.RegexGroup.class, numeric.extractor());
        RegexAnswerVerifier regex = (RegexAnswerVerifier) Verifiers.named("regex", Map.of("pattern", "(x)"));
        assertEquals(RegexAnswerVerifier.Comparison.EXACT, regex.comparison());
    }

    @Test
    void factoryRejectsUnknownNamesAndOptionsListingTheValidOnes() {
        var name = assertThrows(IllegalArgumentException.class, () -> Verifiers.named("fuzzy", Map.of()));
        assertEquals("unknown verifier \"fuzzy\"; valid verifiers: exact, numeric, regex", name.getMessage());
        var option = assertThrows(IllegalArgumentException.class,
                () -> Verifiers.named("numeric", Map.of("tolerance", 0.1)));
        assertEquals("unknown option \"tolerance\" for verifier \"numeric\"; valid options: abs_tol, marker, "
                + "pattern, rel_tol", option.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> Verifiers.named("regex", Map.of()));
        assertTrue(missing.getMessage().contains("\"pattern\""), missing.getMessage());
        var type = assertThrows(IllegalArgumentException.class,
                () -> Verifiers.named("numeric", Map.of("abs_tol", "lots")));
        assertTrue(type.getMessage().contains("\"abs_tol\"") && type.getMessage().contains("a number"),
                type.getMessage());
        var compare = assertThrows(IllegalArgumentException.class,
                () -> Verifiers.named("regex", Map.of("pattern", "(x)", "compare", "fuzzy")));
        assertTrue(compare.getMessage().contains("exact or numeric"), compare.getMessage());
        var both = assertThrows(IllegalArgumentException.class,
                () -> Verifiers.named("exact", Map.of("pattern", "(x)", "marker", "#")));
        assertTrue(both.getMessage().contains("choose one"), both.getMessage());
    }
}
