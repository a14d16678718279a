package io.autodidact.task;

import io.autodidact.reward.AnswerVerifier;
import io.autodidact.reward.Score;
import java.util.Optional;
import java.util.function.Function;

/**
 * Verifies a built-in task's completions by their final answer only: the task's {@link BuiltInTask#answerOf}
 * must equal the problem's answer. As with addition, the scratchpad is not checked: STaR verifies outcomes. A
 * completion that states no answer is simply incorrect.
 */
final class FinalAnswerVerifier extends AnswerVerifier {
    private final String task;
    private final Function<String, Optional<String>> answerOf;

    FinalAnswerVerifier(String task, Function<String, Optional<String>> answerOf) {
        this.task = task;
        this.answerOf = answerOf;
    }

    @Override
    protected Score check(String completion, String answer, String problemId) {
        Optional<String> got = answerOf.apply(completion);
        if (got.isEmpty()) return incorrect("no answer after the last '>'");
        String want = answer.trim();
        String message = "got " + got.get() + ", expected " + want;
        return got.get().equals(want) ? correct(message) : incorrect(message);
    }

    @Override
    public String name() {
        return task;
    }
}
