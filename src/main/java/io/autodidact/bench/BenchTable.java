package io.autodidact.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A benchmark result: rows of metric | DJL | PyTorch | ratio, printed as an aligned text table and
 * written as JSON to {@code target/bench/<name>.json}.
 *
 * <p>The ratio is always oriented so that {@code > 1} means DJL is better: DJL / PyTorch for
 * higher-is-better metrics (tokens/s), PyTorch / DJL for lower-is-better ones (ms per step).
 */
public final class BenchTable {

    /** Which direction of a metric is good. */
    public enum Better { HIGHER, LOWER }

    /** One metric; a missing side is {@code null} and gives no ratio. */
    public record Row(String metric, String unit, Double djl, Double torch, Better better) {
        /** DJL's advantage ({@code > 1}: DJL better), or {@code null} when a side is missing or zero. */
        public Double ratio() {
            if (djl == null || torch == null || djl == 0 || torch == 0) {
                return null;
            }
            return better == Better.HIGHER ? djl / torch : torch / djl;
        }
    }

    public static final Path DEFAULT_DIR = Path.of("target", "bench");

    private final String name;
    private final String title;
    private final String left;
    private final String right;
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> notes = new LinkedHashMap<>();
    private final Map<String, Object> metrics = new LinkedHashMap<>();

    /** {@code name} names the JSON file; {@code title} heads the printed table. */
    public BenchTable(String name, String title) {
        this(name, title, "DJL", "PyTorch");
    }

    /** With other column labels than DJL / PyTorch, e.g. GraalPy / CPython; the ratio is still left vs right. */
    public BenchTable(String name, String title, String left, String right) {
        this.name = name;
        this.title = title;
        this.left = left;
        this.right = right;
    }

    public BenchTable row(String metric, String unit, Double djl, Double torch, Better better) {
        rows.add(new Row(metric, unit, djl, torch, better));
        return this;
    }

    /** A higher-is-better row, e.g. tokens/s. */
    public BenchTable higher(String metric, String unit, Double djl, Double torch) {
        return row(metric, unit, djl, torch, Better.HIGHER);
    }

    /** A lower-is-better row, e.g. ms per step. */
    public BenchTable lower(String metric, String unit, Double djl, Double torch) {
        return row(metric, unit, djl, torch, Better.LOWER);
    }

    /** Context printed under the table and stored in the JSON (threads, BLAS, model size, raw results). */
    /** A top-level key of the JSON document (the figures scripts and dashboards read). */
    public BenchTable metric(String key, Object value) {
        metrics.put(key, value);
        return this;
    }

    public BenchTable note(String key, Object value) {
        notes.put(key, value);
        return this;
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** A number out of a parsed JSON map (e.g. {@link TorchBaseline#run}'s), or {@code null}. */
    public static Double number(Map<String, ?> map, String key) {
        return map != null && map.get(key) instanceof Number n ? n.doubleValue() : null;
    }

    /** The aligned text table, then the notes whose values are not maps or lists. */
    public String render() {
        String[] head = {"metric", left, right, "ratio"};
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            String metric = r.unit() == null || r.unit().isEmpty() ? r.metric() : r.metric() + " (" + r.unit() + ")";
            Double ratio = r.ratio();
            cells.add(new String[] {metric, fmt(r.djl()), fmt(r.torch()),
                    ratio == null ? "n/a" : String.format(Locale.ROOT, ratio < 0.1 ? "%.3fx" : "%.2fx", ratio)});
        }
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] c : cells) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        if (title != null && !title.isEmpty()) {
            sb.append(title).append('\n');
        }
        line(sb, head, w);
        sb.append(String.format("%s-+-%s-+-%s-+-%s%n", "-".repeat(w[0]), "-".repeat(w[1]), "-".repeat(w[2]), "-".repeat(w[3])));
        for (String[] c : cells) {
            line(sb, c, w);
        }
        sb.append("ratio > 1 means " + left + " is better (" + left + "/" + right + " for rates, " + right + "/" + left + " for times)\n");
        notes.forEach((k, v) -> {
            if (!(v instanceof Map) && !(v instanceof List)) {
                sb.append(k).append(": ").append(v).append('\n');
            }
        });
        return sb.toString();
    }

    public void print(PrintStream out) {
        out.print(render());
        out.flush();
    }

    /** The JSON document: name, title, time, rows (with ratio), notes. */
    public Map<String, Object> toJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", name);
        doc.put("title", title);
        doc.put("created", Instant.now().toString());
        doc.putAll(metrics);
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("metric", r.metric());
            m.put("unit", r.unit());
            m.put("djl", r.djl());
            m.put("torch", r.torch());
            m.put("ratio", r.ratio());
            m.put("better", r.better().name().toLowerCase(Locale.ROOT));
            rs.add(m);
        }
        doc.put("rows", rs);
        doc.put("notes", notes);
        return doc;
    }

    /** Writes {@code target/bench/<name>.json} under the current directory; returns the file. */
    public Path writeJson() throws IOException {
        return writeJson(DEFAULT_DIR);
    }

    /** Writes {@code <dir>/<name>.json}; returns the file. */
    public Path writeJson(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toJson());
        return file;
    }

    private static void line(StringBuilder sb, String[] c, int[] w) {
        sb.append(pad(c[0], w[0], false)).append(" | ").append(pad(c[1], w[1], true)).append(" | ")
                .append(pad(c[2], w[2], true)).append(" | ").append(pad(c[3], w[3], true)).append('\n');
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }

    private static String fmt(Double v) {
        if (v == null || v.isNaN()) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
