package io.autodidact.reward;

import io.autodidact.loop.NamedOptions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the built-in Java verifiers from a run config's name and options:
 * <ul>
 *   <li>{@code exact}: options {@code marker} or {@code pattern} choose the {@link AnswerExtractor}
 *       (default: last line);
 *   <li>{@code numeric}: the same, plus {@code abs_tol} and {@code rel_tol};
 *   <li>{@code regex}: {@code pattern} (required, one capture group), {@code compare} ({@code exact} or
 *       {@code numeric}, default exact), {@code abs_tol}, {@code rel_tol}.
 * </ul>
 */
public final class Verifiers {
    /** The names {@link #named} accepts. */
    public static final List<String> NAMES = List.of("exact", "numeric", "regex");

    private Verifiers() {}

    public static AnswerVerifier named(String name, Map<String, Object> options) {
        return switch (name) {
            case "exact" -> {
                NamedOptions o = new NamedOptions("verifier \"exact\"", options, Set.of("marker", "pattern"));
                yield new ExactMatchVerifier(extractor(o));
            }
            case "numeric" -> {
                NamedOptions o = new NamedOptions("verifier \"numeric\"", options,
                        Set.of("marker", "pattern", "abs_tol", "rel_tol"));
                yield new NumericVerifier(extractor(o), o.number("abs_tol", NumericVerifier.DEFAULT_ABS_TOL),
                        o.number("rel_tol", NumericVerifier.DEFAULT_REL_TOL));
            }
            case "regex" -> {
                NamedOptions o = new NamedOptions("verifier \"regex\"", options,
                        Set.of("pattern", "compare", "abs_tol", "rel_tol"));
                String pattern = o.string("pattern").orElseThrow(() -> new IllegalArgumentException(
                        "verifier \"regex\" needs option \"pattern\": a regex with one capture group around the answer"));
                yield new RegexAnswerVerifier(pattern, comparison(o.string("compare").orElse("exact")),
                        o.number("abs_tol", NumericVerifier.DEFAULT_ABS_TOL),
                        o.number("rel_tol", NumericVerifier.DEFAULT_REL_TOL));
            }
            default -> throw new IllegalArgumentException(
                    "unknown verifier \"" + name + "\"; valid verifiers: " + String.join(", ", NAMES));
        };
    }

    private static AnswerExtractor extractor(NamedOptions o) {
        if (o.has("marker") && o.has("pattern"))
            throw new IllegalArgumentException("options \"marker\" and \"pattern\" both given; choose one way to find the answer");
        if (o.has("marker")) return AnswerExtractor.afterMarker(o.string("marker").orElseThrow());
        if (o.has("pattern")) return AnswerExtractor.regex(o.string("pattern").orElseThrow());
        return AnswerExtractor.lastLine();
    }

    private static RegexAnswerVerifier.Comparison comparison(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "exact" -> RegexAnswerVerifier.Comparison.EXACT;
            case "numeric" -> RegexAnswerVerifier.Comparison.NUMERIC;
            default -> throw new IllegalArgumentException(
                    "option \"compare\" for verifier \"regex\" must be exact or numeric, got \"" + value + "\"");
        };
    }
}
