package io.autodidact.reward;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Finds the final answer inside a completion, so that verifiers compare answers rather than whole
 * rationales. An empty result means the completion states no answer, which scores as incorrect.
 */
public sealed interface AnswerExtractor {

    /** The answer in {@code completion}, trimmed; empty when there is none. */
    Optional<String> extract(String completion);

    /** The last non-blank line: the convention of prompts that end with "answer on the last line". */
    static AnswerExtractor lastLine() {
        return new LastLine();
    }

    /** The rest of the line after the last occurrence of {@code marker}, e.g. {@code ####} (GSM8K). */
    static AnswerExtractor afterMarker(String marker) {
        return new AfterMarker(marker);
    }

    /** Capture group 1 of the last match of {@code regex}, which must have exactly one capture group. */
    static AnswerExtractor regex(String regex) {
        Objects.requireNonNull(regex, "regex");
        try {
            return new RegexGroup(Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("answer pattern " + quote(regex) + " is not a valid regex: "
                    + e.getDescription(), e);
        }
    }

    /** See {@link #lastLine()}. */
    record LastLine() implements AnswerExtractor {
        @Override
        public Optional<String> extract(String completion) {
            String[] lines = completion.split("\\R");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (!lines[i].isBlank()) return Optional.of(lines[i].trim());
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            return "last line";
        }
    }

    /** See {@link #afterMarker(String)}. */
    record AfterMarker(String marker) implements AnswerExtractor {
        public AfterMarker {
            Objects.requireNonNull(marker, "marker");
            if (marker.isEmpty()) throw new IllegalArgumentException("answer marker must not be empty, e.g. \"####\"");
        }

        @Override
        public Optional<String> extract(String completion) {
            int at = completion.lastIndexOf(marker);
            if (at < 0) return Optional.empty();
            String rest = completion.substring(at + marker.length());
            // The answer ends with its line, so a trailing explanation on later lines is not part of it.
            String answer = rest.split("\\R", 2)[0].trim();
            return answer.isEmpty() ? Optional.empty() : Optional.of(answer);
        }

        @Override
        public String toString() {
            return "after marker " + quote(marker);
        }
    }

    /** See {@link #regex(String)}. */
    record RegexGroup(Pattern pattern) implements AnswerExtractor {
        public RegexGroup {
            Objects.requireNonNull(pattern, "pattern");
            int groups = pattern.matcher("").groupCount();
            if (groups != 1)
                throw new IllegalArgumentException("answer pattern " + quote(pattern.pattern()) + " has " + groups
                        + " capture groups; it needs exactly one around the answer (use (?:...) for other groups)");
        }

        @Override
        public Optional<String> extract(String completion) {
            Matcher m = pattern.matcher(completion);
            String last = null;
            // The last match wins: models often restate the question's numbers before the final answer.
            while (m.find()) {
                if (m.group(1) != null) last = m.group(1);
            }
            if (last == null || last.isBlank()) return Optional.empty();
            return Optional.of(last.trim());
        }

        @Override
        public String toString() {
            return "regex " + quote(pattern.pattern());
        }
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
