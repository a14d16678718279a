package io.autodidact.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One record of a dataset file as plain values (String, Number, Boolean, List, Map, or null for absent),
 * whatever the file format, with typed accessors whose errors name the file, the place and the field.
 *
 * @param where "line 7" or "row 7"
 * @param fallbackId the id to use when the record has none, e.g. "line-7"
 */
record Row(Path file, String where, String fallbackId, Map<String, Object> fields) {
    private static final ObjectMapper JSON = new ObjectMapper();

    DatasetException error(String message) {
        return new DatasetException(file + " " + where + ": " + message);
    }

    boolean has(String field) {
        return fields.get(field) != null;
    }

    String requiredString(String field) {
        Object v = fields.get(field);
        if (v == null) throw error("missing required field \"" + field + "\"");
        if (!(v instanceof String s)) throw error(wrongType(field, "a string", v));
        if (s.isEmpty()) throw error("field \"" + field + "\" must not be empty");
        return s;
    }

    Optional<String> optionalString(String field) {
        Object v = fields.get(field);
        if (v == null) return Optional.empty();
        if (!(v instanceof String s)) throw error(wrongType(field, "a string", v));
        return Optional.of(s);
    }

    /** A string, or a number turned into its plain decimal text (2.50 becomes "2.5", 168.0 becomes "168"). */
    Optional<String> optionalText(String field) {
        Object v = fields.get(field);
        if (v == null) return Optional.empty();
        if (v instanceof String s) return Optional.of(s);
        if (v instanceof Number n) return Optional.of(plain(n));
        throw error(wrongType(field, "a string or a number", v));
    }

    OptionalDouble optionalNumber(String field) {
        Object v = fields.get(field);
        if (v == null) return OptionalDouble.empty();
        if (!(v instanceof Number n)) throw error(wrongType(field, "a number", v));
        double d = n.doubleValue();
        if (!Double.isFinite(d)) throw error("field \"" + field + "\" must be a finite number, got " + d);
        return OptionalDouble.of(d);
    }

    /**
     * An object whose values become strings (nested values as JSON); null values are dropped. Text holding a JSON
     * object counts as that object, since Arrow datasets (Flight uploads) carry metadata as a utf8 JSON column.
     */
    Map<String, String> optionalObject(String field) {
        Object v = fields.get(field);
        if (v == null) return Map.of();
        if (v instanceof String text && text.stripLeading().startsWith("{")) v = parseObject(field, text);
        if (!(v instanceof Map<?, ?> map)) throw error(wrongType(field, "an object", v));
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((k, value) -> {
            if (value != null) out.put(String.valueOf(k), stringify(value));
        });
        return out;
    }

    private Object parseObject(String field, String text) {
        try {
            return JSON.readValue(text, Map.class);
        } catch (JsonProcessingException e) {
            throw error("field \"" + field + "\" is text starting with '{' but not a JSON object: " + e.getOriginalMessage());
        }
    }

    String stringify(Object value) {
        if (value instanceof String s) return s;
        if (value instanceof Number n) return plain(n);
        if (value instanceof Boolean b) return b.toString();
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw error("cannot write value as JSON: " + e.getOriginalMessage());
        }
    }

    private static String plain(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) return n.toString();
        if (!(n instanceof BigDecimal) && !Double.isFinite(n.doubleValue())) return n.toString();
        BigDecimal d = n instanceof BigDecimal b ? b : BigDecimal.valueOf(n.doubleValue());
        // stripTrailingZeros turns 0.0 into 0E-1 on old JDKs and 100 into 1E+2; toPlainString undoes both.
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    private static String wrongType(String field, String expected, Object v) {
        String shown = v instanceof String s ? typeName(v) + " \"" + abbreviate(s) + "\"" : typeName(v) + " " + abbreviate(String.valueOf(v));
        return "field \"" + field + "\" must be " + expected + ", got " + shown;
    }

    static String typeName(Object v) {
        if (v instanceof String) return "string";
        if (v instanceof Number) return "number";
        if (v instanceof Boolean) return "boolean";
        if (v instanceof List<?>) return "array";
        if (v instanceof Map<?, ?>) return "object";
        return v.getClass().getSimpleName();
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
