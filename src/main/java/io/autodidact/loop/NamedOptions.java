package io.autodidact.loop;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed access to the options of one named part of a run config (a built-in task, a verifier), with errors that name
 * the owner, the option and the valid ones, e.g. {@code option "width" for task "addition" must be a whole number}.
 */
public final class NamedOptions {
    private final String owner;
    private final Map<String, Object> values;

    /** Refuses any key outside {@code valid}. */
    public NamedOptions(String owner, Map<String, Object> values, Set<String> valid) {
        this.owner = owner;
        this.values = Objects.requireNonNull(values, "options");
        for (String key : values.keySet()) {
            if (!valid.contains(key))
                throw new IllegalArgumentException("unknown option \"" + key + "\" for " + owner + "; valid options: "
                        + (valid.isEmpty() ? "none" : String.join(", ", new TreeSet<>(valid))));
        }
    }

    public boolean has(String key) {
        return values.get(key) != null;
    }

    public Optional<String> string(String key) {
        Object v = values.get(key);
        if (v == null) return Optional.empty();
        if (!(v instanceof String s)) throw wrongType(key, "a string", v);
        return Optional.of(s);
    }

    public int integer(String key, int fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) return n.intValue();
        throw wrongType(key, "a whole number", v);
    }

    /** A number; text that parses as one (a quoted number in YAML) is accepted, as everywhere else in a run config. */
    public double number(String key, double fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw wrongType(key, "a number", v);
            }
        }
        throw wrongType(key, "a number", v);
    }

    public boolean bool(String key, boolean fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw wrongType(key, "true or false", v);
    }

    private IllegalArgumentException wrongType(String key, String expected, Object v) {
        return new IllegalArgumentException("option \"" + key + "\" for " + owner + " must be " + expected + ", got "
                + v.getClass().getSimpleName() + " " + v);
    }
}
