package io.autodidact.reward;

import java.util.Objects;

/**
 * Extracts the answer with a user's regex (capture group 1 of its last match) and compares it with the
 * problem's answer exactly or numerically. For answer formats the last-line and marker rules miss, such
 * as {@code \\boxed\{(.+?)\}}.
 */
public final class RegexAnswerVerifier extends AnswerVerifier {

    /** How the captured answer is compared with the reference. */
    public enum Comparison { EXACT, NUMERIC }

    private final String pattern;
    private final Comparison comparison;
    private final AnswerVerifier delegate;

    /** Exact comparison. */
    public RegexAnswerVerifier(String pattern) {
        this(pattern, Comparison.EXACT, NumericVerifier.DEFAULT_ABS_TOL, NumericVerifier.DEFAULT_REL_TOL);
    }

    /** The tolerances are used only by {@link Comparison#NUMERIC}, as in {@link NumericVerifier}. */
    public RegexAnswerVerifier(String pattern, Comparison comparison, double absTol, double relTol) {
        this.pattern = Objects.requireNonNull(pattern, "pattern");
        this.comparison = Objects.requireNonNull(comparison, "comparison");
        AnswerExtractor extractor = AnswerExtractor.regex(pattern);
        this.delegate = switch (comparison) {
            case EXACT -> new ExactMatchVerifier(extractor);
            case NUMERIC -> new NumericVerifier(extractor, absTol, relTol);
        };
    }

    @Override
    protected Score check(String completion, String answer, String problemId) {
        return delegate.check(completion, answer, problemId);
    }

    public String pattern() {
        return pattern;
    }

    public Comparison comparison() {
        return comparison;
    }

    @Override
    public String name() {
        return "regex";
    }
}
