package io.autodidact.store;

import io.autodidact.loop.IterationMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The HTML of {@link Report}: inline styles only, so the file opens anywhere, offline. */
final class ReportHtml {

    static final String STYLE = """
            body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1000px;color:#333;padding:0 1rem}
            h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
            .summary{display:flex;gap:2rem;margin:1rem 0} .summary div{background:#f5f7fa;padding:.6rem 1rem;border-radius:6px}
            .summary b{display:block;font-size:1.4rem}
            img{max-width:100%;border:1px solid #eee;margin:.5rem 0}
            table{border-collapse:collapse;font-size:.85rem;width:100%} th,td{padding:.3rem .5rem;text-align:right;border-bottom:1px solid #eee}
            th{background:#f5f7fa;position:sticky;top:0} td:first-child,th:first-child{text-align:left}
            """;

    private ReportHtml() {}

    static String render(String title, List<IterationMetrics> rows, List<String> plotPaths) {
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>").append(STYLE).append("</style></head><body>\n");
        h.append("<h1>").append(escape(title)).append("</h1>\n");
        if (rows.isEmpty()) {
            h.append("<p>No iteration has finished yet.</p>\n");
        } else {
            IterationMetrics first = rows.getFirst(), last = rows.getLast();
            IterationMetrics best = rows.stream().max((a, b) -> Double.compare(a.evalPass1(), b.evalPass1())).orElseThrow();
            h.append("<div class=\"summary\">")
                    .append(stat("iterations", String.valueOf(rows.size())))
                    .append(stat("pass@1 first → last", pct(first.evalPass1()) + " → " + pct(last.evalPass1())))
                    .append(stat("best pass@1", pct(best.evalPass1()) + " (iter " + best.iteration() + ")"))
                    .append(stat("samples kept", String.valueOf(rows.stream().mapToLong(IterationMetrics::samplesSelected).sum())))
                    .append("</div>\n");
        }
        h.append("<h2>Charts</h2>\n");
        for (String path : plotPaths)
            h.append("<img src=\"").append(escape(path)).append("\" alt=\"").append(escape(path)).append("\">\n");
        h.append("<h2>Per iteration</h2>\n");
        table(h, rows);
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void table(StringBuilder h, List<IterationMetrics> rows) {
        Set<String> difficulties = Report.keys(rows, IterationMetrics::evalPass1ByDifficulty);
        Set<String> passk = Report.keys(rows, IterationMetrics::evalPasskByDifficulty);
        Set<String> stages = Report.keys(rows, IterationMetrics::stageSeconds);
        Set<String> extra = Report.keys(rows, IterationMetrics::extra);
        h.append("<table><thead><tr><th>iteration</th><th>pass@1</th>");
        for (String d : difficulties) h.append("<th>pass@1 ").append(escape(d)).append("</th>");
        for (String d : passk) h.append("<th>pass@k ").append(escape(d)).append("</th>");
        h.append("<th>generated</th><th>correct</th><th>selected</th><th>train loss</th><th>reward mean</th>");
        for (String s : stages) h.append("<th>").append(escape(s)).append(" s</th>");
        for (String e : extra) h.append("<th>").append(escape(e)).append("</th>");
        h.append("</tr></thead><tbody>\n");
        for (IterationMetrics m : rows) {
            h.append("<tr><td>").append(m.iteration()).append("</td>").append(td(pct(m.evalPass1())));
            for (String d : difficulties) h.append(td(rate(m.evalPass1ByDifficulty(), d)));
            for (String d : passk) h.append(td(m.evalPasskByDifficulty().containsKey(d) ? "k=" + m.evalK() + " " + rate(m.evalPasskByDifficulty(), d) : ""));
            h.append(td(String.valueOf(m.samplesGenerated()))).append(td(String.valueOf(m.samplesCorrect())))
                    .append(td(String.valueOf(m.samplesSelected())))
                    .append(td(m.trained() ? num(m.trainLoss()) : "–"))
                    .append(td(m.reward().count() > 0 ? num(m.reward().mean()) : "–"));
            for (String s : stages) h.append(td(m.stageSeconds().containsKey(s) ? String.format(Locale.ROOT, "%.1f", m.stageSeconds().get(s)) : ""));
            for (String e : extra) h.append(td(m.extra().containsKey(e) ? num(m.extra().get(e)) : ""));
            h.append("</tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    private static String stat(String label, String value) {
        return "<div>" + escape(label) + "<b>" + escape(value) + "</b></div>";
    }

    private static String td(String text) {
        return "<td>" + escape(text) + "</td>";
    }

    private static String rate(Map<String, Double> map, String key) {
        return map.containsKey(key) ? pct(map.get(key)) : "";
    }

    private static String pct(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", rate * 100);
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
