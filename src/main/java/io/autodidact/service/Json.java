package io.autodidact.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON has no NaN or infinity: such numbers (e.g. the loss of an iteration that did not train) become null. */
final class Json {
    private Json() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> sanitize(Map<?, ?> in) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : in.entrySet()) out.put(String.valueOf(e.getKey()), value(e.getValue()));
        return out;
    }

    private static Object value(Object v) {
        if (v instanceof Double d && (d.isNaN() || d.isInfinite())) return null;
        if (v instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) return null;
        if (v instanceof Map<?, ?> m) return sanitize(m);
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(value(o));
            return out;
        }
        return v;
    }
}
