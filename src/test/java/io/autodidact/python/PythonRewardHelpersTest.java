package io.autodidact.python;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stdlib-only helpers of {@code autodidact.rewards.answers}, run through GraalPy as users run them. */
class PythonRewardHelpersTest {

    private record Case(String fn, String input, String expected) {}

    @Test
    void extractsAndNormalisesFinalAnswers() {
        List<Case> cases = List.of(
                new Case("boxed", "so \\boxed{\\frac{1}{2}} done", "'\\\\frac{1}{2}'"),
                new Case("boxed", "first \\boxed{1} then \\boxed{ 2 }", "'2'"),
                new Case("boxed", "no box", "None"),
                new Case("after_hashes", "work\n#### 1,234\nmore", "'1,234'"),
                new Case("answer_is", "Thus the answer is 42. Next sentence.", "'42'"),
                new Case("answer_is", "Answer: x = 3", "'x = 3'"),
                new Case("last_number", "so 1,234.5 apples and -2", "'-2'"),
                new Case("final_answer", "The answer is 7 but \\boxed{8}", "'8'"),
                new Case("final_answer", "no digits", "None"),
                new Case("parse_number", "\\frac{3}{4}", "Fraction(3, 4)"),
                new Case("parse_number", "$1,234.50", "Fraction(2469, 2)"),
                new Case("parse_number", "50%", "Fraction(1, 2)"),
                new Case("parse_number", "-2.5e3", "Fraction(-2500, 1)"),
                new Case("parse_number", "twelve", "None"),
                // Integers take a shortcut past Fraction's string parser; they must still come back as Fractions.
                new Case("parse_number", " 1,234. ", "Fraction(1234, 1)"),
                new Case("parse_number", "-7", "Fraction(-7, 1)"),
                new Case("parse_number", "+007", "Fraction(7, 1)"),
                new Case("parse_number", "\\text{42}", "Fraction(42, 1)"),
                new Case("parse_number", "-", "None"),
                new Case("choice_letter", "The answer is (C).", "'C'"),
                new Case("choice_letter", "I think B) fits best", "'B'"),
                new Case("choice_letter", "the answer is a tricky one: D", "'D'"),
                new Case("choice_letter", "none of these", "None"),
                new Case("normalize_text", "  The Eiffel Tower! ", "'eiffel tower'"));
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++)
            samples.add(PythonTestSupport.sample("c" + i, cases.get(i).input(), Map.of("fn", cases.get(i).fn())));
        samples.add(PythonTestSupport.sample("int", "1,000,000", Map.of("fn", "same_number", "args", "|1000001")));
        samples.add(PythonTestSupport.sample("int-frac", "7", Map.of("fn", "same_number", "args", "|\\frac{14}{2}")));
        samples.add(PythonTestSupport.sample("int-ne", "7", Map.of("fn", "same_number", "args", "|8")));
        samples.add(PythonTestSupport.sample("eq", "0.75", Map.of("fn", "same_number", "args", "|\\frac{3}{4}")));
        try (PythonReward probe = PythonReward.open(PythonTestSupport.spec("probe.py", false, Duration.ofSeconds(10), 1))) {
            List<Score> scores = probe.score(samples);
            for (int i = 0; i < cases.size(); i++) {
                assertEquals("", scores.get(i).error(), cases.get(i).toString());
                assertEquals(cases.get(i).expected(), scores.get(i).message(), cases.get(i).toString());
            }
            int n = cases.size();
            assertEquals("True", scores.get(n).message(), "1,000,000 is within the relative tolerance of 1000001");
            assertEquals("True", scores.get(n + 1).message(), "7 equals \\frac{14}{2}");
            assertEquals("False", scores.get(n + 2).message(), "7 is not 8");
            assertEquals("True", scores.getLast().message(), "0.75 equals \\frac{3}{4}");
        }
    }
}
