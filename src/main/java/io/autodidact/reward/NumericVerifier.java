package io.autodidact.reward;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Correct when the last number in the extracted answer is within tolerance of the problem's answer:
 * {@code |got - expected| <= max(absTol, relTol * |expected|)}. Numbers may carry a sign, thousands
 * separators ({@code 1,234}), decimals, an exponent, or be a simple fraction ({@code -3/4}); taking the
 * last number lets "the total is $1,234." count as 1234.
 */
public final class NumericVerifier extends AnswerVerifier {
    public static final double DEFAULT_ABS_TOL = 1e-6;
    public static final double DEFAULT_REL_TOL = 1e-9;

    private static final String DECIMAL =
            "[-+]?(?:(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?";
    private static final Pattern NUMBER = Pattern.compile("(" + DECIMAL + ")(?:\\s*/\\s*(\\d+))?");

    private final AnswerExtractor extractor;
    private final double absTol;
    private final double relTol;

    public NumericVerifier(AnswerExtractor extractor, double absTol, double relTol) {
        this.extractor = Objects.requireNonNull(extractor, "extractor");
        if (!(absTol >= 0) || Double.isInfinite(absTol))
            throw new IllegalArgumentException("abs_tol must be a finite number >= 0, got " + absTol);
        if (!(relTol >= 0) || Double.isInfinite(relTol))
            throw new IllegalArgumentException("rel_tol must be a finite number >= 0, got " + relTol);
        this.absTol = absTol;
        this.relTol = relTol;
    }

    /** Last line of the completion, default tolerances. */
    public NumericVerifier() {
        this(AnswerExtractor.lastLine(), DEFAULT_ABS_TOL, DEFAULT_REL_TOL);
    }

    @Override
    protected Score check(String completion, String answer, String problemId) {
        OptionalDouble expected = parseWhole(answer);
        if (expected.isEmpty())
            return Score.failed("problem " + problemId + ": answer \"" + answer.trim()
                    + "\" is not a number; use the exact verifier for non-numeric answers");
        Optional<String> text = extractor.extract(completion);
        if (text.isEmpty()) return incorrect("no answer found (" + extractor + ")");
        OptionalDouble got = lastNumber(text.get());
        if (got.isEmpty()) return incorrect("no number in \"" + text.get() + "\"");
        double e = expected.getAsDouble();
        double g = got.getAsDouble();
        String message = "got " + format(g) + ", expected " + format(e);
        return Math.abs(g - e) <= Math.max(absTol, relTol * Math.abs(e)) ? correct(message) : incorrect(message);
    }

    /** The value of {@code text} when all of it (trimmed, a final period allowed) is one number. */
    static OptionalDouble parseWhole(String text) {
        String t = text.trim();
        if (t.endsWith(".") && t.length() > 1) t = t.substring(0, t.length() - 1);
        Matcher m = NUMBER.matcher(t);
        return m.matches() ? value(m) : OptionalDouble.empty();
    }

    /** The value of the last number in {@code text}. */
    static OptionalDouble lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        OptionalDouble last = OptionalDouble.empty();
        while (m.find()) last = value(m);
        return last;
    }

    private static OptionalDouble value(Matcher m) {
        double v = Double.parseDouble(m.group(1).replace(",", ""));
        if (m.group(2) != null) {
            double denominator = Double.parseDouble(m.group(2));
            if (denominator == 0) return OptionalDouble.empty();
            v /= denominator;
        }
        return Double.isFinite(v) ? OptionalDouble.of(v) : OptionalDouble.empty();
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    public AnswerExtractor extractor() {
        return extractor;
    }

    public double absTol() {
        return absTol;
    }

    public double relTol() {
        return relTol;
    }

    @Override
    public String name() {
        return "numeric";
    }
}
