package io.autodidact.task;

import io.autodidact.reward.AnswerVerifier;
import io.autodidact.reward.Score;
import java.util.Optional;

/**
 * Verifies {@link AdditionTask} completions: the digits after the last {@code >} (up to the first
 * non-digit), read least significant first, must equal the problem's answer. The scratchpad lines are
 * deliberately not checked: STaR verifies outcomes, and a rationale that reaches the right sum is kept
 * whatever its steps, which is what lets the method work on tasks where steps cannot be checked.
 * A malformed completion is simply incorrect.
 */
public final class AdditionVerifier extends AnswerVerifier {

    @Override
    protected Score check(String completion, String answer, String problemId) {
        String expected = answer.trim();
        if (expected.isEmpty() || !expected.chars().allMatch(c -> c >= '0' && c <= '9'))
            return Score.failed("problem " + problemId + ": answer \"" + answer
                    + "\" is not a non-negative integer; the addition verifier needs the plain decimal sum");
        Optional<String> got = answerOf(completion);
        if (got.isEmpty()) return incorrect("no digits after the last '>'");
        String want = GeneratedTask.stripLeadingZeros(expected);
        String message = "got " + got.get() + ", expected " + want;
        return got.get().equals(want) ? correct(message) : incorrect(message);
    }

    /** The sum a completion states: the digits after the last {@code >}, reversed, without leading zeros. */
    static Optional<String> answerOf(String completion) {
        return GeneratedTask.digitsAfterLastMarker(completion)
                .map(d -> GeneratedTask.stripLeadingZeros(new StringBuilder(d).reverse().toString()));
    }

    @Override
    public String name() {
        return "addition";
    }
}
