package io.autodidact.task;

import io.autodidact.reward.AnswerVerifier;
import io.autodidact.reward.Score;

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
        int marker = completion.lastIndexOf('>');
        if (marker < 0) return incorrect("no '>' before the answer");
        int end = marker + 1;
        while (end < completion.length() && completion.charAt(end) >= '0' && completion.charAt(end) <= '9') end++;
        if (end == marker + 1) return incorrect("no digits after the last '>'");
        String got = stripLeadingZeros(new StringBuilder(completion.substring(marker + 1, end)).reverse().toString());
        String want = stripLeadingZeros(expected);
        String message = "got " + got + ", expected " + want;
        return got.equals(want) ? correct(message) : incorrect(message);
    }

    private static String stripLeadingZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') i++;
        return digits.substring(i);
    }

    @Override
    public String name() {
        return "addition";
    }
}
