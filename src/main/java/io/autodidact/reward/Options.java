package io.autodidact.reward;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Typed access to a run config's option map, with errors that name the owner, the option and the valid ones. */
final class Options {
    private final String owner;
    private final Map<String, Object> values;

    Options(String owner, Map<String, Object> values, Set<String> valid) {
        this.owner = owner;
        this.values = Objects.requireNonNull(values, "options");
        for (String key : values.keySet()) {
            if (!valid.contains(key))
                throw new IllegalArgumentException("unknown option \"" + key + "\" for " + owner + "; valid options: "
                        + (valid.isEmpty() ? "none" : String.join(", ", new TreeSet<>(valid))));
        }
    }

    boolean has(String key) {
        return values.get(key) != null;
    }

    Optional<String> string(String key) {
        Object v = values.get(key);
        if (v == null) return Optional.empty();
        if (!(v instanceof String s)) throw wrongType(key, "a string", v);
        return Optional.of(s);
    }

    double number(String key, double fallback) {
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

    private IllegalArgumentException wrongType(String key, String expected, Object v) {
        return new IllegalArgumentException("option \"" + key + "\" for " + owner + " must be " + expected + ", got "
                + v.getClass().getSimpleName() + " " + v);
    }
}
