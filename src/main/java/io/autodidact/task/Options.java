package io.autodidact.task;

import java.util.Map;
import java.util.Objects;
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

    int integer(String key, int fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) return n.intValue();
        throw wrongType(key, "a whole number", v);
    }

    double number(String key, double fallback) {
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw wrongType(key, "a number", v);
    }

    boolean bool(String key, boolean fallback) {
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
