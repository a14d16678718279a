package io.autodidact.reward;

import java.util.Objects;
import java.util.Optional;

/** Correct when the extracted answer equals the problem's answer, both trimmed; case and spacing inside count. */
public final class ExactMatchVerifier extends AnswerVerifier {
    private final AnswerExtractor extractor;

    public ExactMatchVerifier(AnswerExtractor extractor) {
        this.extractor = Objects.requireNonNull(extractor, "extractor");
    }

    /** Compares the last non-blank line of the completion. */
    public ExactMatchVerifier() {
        this(AnswerExtractor.lastLine());
    }

    public AnswerExtractor extractor() {
        return extractor;
    }

    @Override
    protected Score check(String completion, String answer, String problemId) {
        Optional<String> got = extractor.extract(completion);
        if (got.isEmpty()) return incorrect("no answer found (" + extractor + ")");
        String expected = answer.trim();
        String message = "got \"" + got.get() + "\", expected \"" + expected + "\"";
        return got.get().equals(expected) ? correct(message) : incorrect(message);
    }

    @Override
    public String name() {
        return "exact";
    }
}
