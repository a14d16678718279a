package io.autodidact.loop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, path-aware reading of one section of a run config. Every getter records the key it was asked
 * for, so {@link #finish()} can refuse keys nobody read (a typo) and list the valid ones. Errors name
 * the full path, e.g. {@code recipe.samples must be a whole number, got "eight"}.
 */
public final class ConfigMap {
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> read = new LinkedHashSet<>();

    public ConfigMap(String path, Map<String, Object> values) {
        this.path = path;
        this.values = values == null ? Map.of() : values;
    }

    public static ConfigException error(String field, String message) {
        return new ConfigException(field, field + ": " + message);
    }

    private String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        read.add(key);
        return values.get(key) != null;
    }

    public String string(String key, String fallback) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        throw wrongType(key, "a string", v);
    }

    public int integer(String key, int fallback) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE)
            return n.intValue();
        if (v instanceof String s && s.matches("-?\\d+")) return Integer.parseInt(s);
        throw wrongType(key, "a whole number", v);
    }

    public int integer(String key, int fallback, int min, int max) {
        int v = integer(key, fallback);
        if (v < min || v > max) throw error(field(key), "must be in [" + min + ", " + max + "], got " + v);
        return v;
    }

    public long longValue(String key, long fallback) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.longValue();
        if (v instanceof String s && s.matches("-?\\d+")) return Long.parseLong(s);
        throw wrongType(key, "a whole number", v);
    }

    public double number(String key, double fallback) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                // fall through to the type error
            }
        }
        throw wrongType(key, "a number", v);
    }

    public double number(String key, double fallback, double min, double max) {
        double v = number(key, fallback);
        if (!(v >= min && v <= max)) throw error(field(key), "must be in [" + min + ", " + max + "], got " + v);
        return v;
    }

    public boolean bool(String key, boolean fallback) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        if (v instanceof String s && (s.equals("true") || s.equals("false"))) return Boolean.parseBoolean(s);
        throw wrongType(key, "true or false", v);
    }

    public List<Integer> integers(String key, List<Integer> fallback) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return fallback;
        if (v instanceof List<?> list) {
            List<Integer> out = new ArrayList<>();
            for (Object o : list) {
                if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) out.add(n.intValue());
                else throw wrongType(key, "a list of whole numbers", v);
            }
            return out;
        }
        if (v instanceof Number n) return List.of(n.intValue());
        throw wrongType(key, "a list of whole numbers", v);
    }

    /** A list of names; numbers are accepted and read as their decimal text. */
    public List<String> strings(String key, List<String> fallback) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return fallback;
        List<?> list = v instanceof List<?> l ? l : List.of(v);
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof String s) out.add(s);
            else if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) out.add(String.valueOf(n.longValue()));
            else throw wrongType(key, "a list of names or numbers", v);
        }
        return out;
    }

    /** A nested section; absent reads as empty. */
    @SuppressWarnings("unchecked")
    public ConfigMap section(String key) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return new ConfigMap(field(key), Map.of());
        if (v instanceof Map<?, ?> m) return new ConfigMap(field(key), (Map<String, Object>) m);
        throw wrongType(key, "a mapping of options", v);
    }

    /** The raw values of a section, for parts that validate their own options (recipes, tasks). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> raw(String key) {
        read.add(key);
        Object v = values.get(key);
        if (v == null) return Map.of();
        if (v instanceof Map<?, ?> m) return new LinkedHashMap<>((Map<String, Object>) m);
        throw wrongType(key, "a mapping of options", v);
    }

    public String path() {
        return path;
    }

    /** Refuses keys that no getter asked for. */
    public void finish() {
        for (String key : values.keySet())
            if (!read.contains(key))
                throw error(field(key), "unknown key; valid keys " + (path.isEmpty() ? "at the top level" : "in " + path)
                        + ": " + new TreeSet<>(read));
    }

    private ConfigException wrongType(String key, String expected, Object v) {
        String shown = v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
        return error(field(key), "must be " + expected + ", got " + shown);
    }

    /** A config error naming the offending field. */
    public static final class ConfigException extends IllegalArgumentException {
        private final String field;

        ConfigException(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }
}
