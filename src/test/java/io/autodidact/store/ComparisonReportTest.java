package io.autodidact.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.RewardStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonReportTest {

    @TempDir
    Path dir;

    private static List<IterationMetrics> history(double start, double step, Map<String, Double> controls) {
        List<IterationMetrics> rows = new ArrayList<>();
        for (int i = 0; i <= 3; i++) {
            double p = start + step * i;
            rows.add(new IterationMetrics(i, p, Map.of("4", p, "5", p / 2, "1", 1.0), 0, Map.of(), i == 0 ? 0 : 100, i == 0 ? 0 : 40,
                    i == 0 ? 0 : 30, i == 0 ? Double.NaN : 0.5, i == 0 ? RewardStats.EMPTY : RewardStats.of(new double[] {0, 1, 1}),
                    Map.of(), controls));
        }
        return rows;
    }

    @Test
    void chartsEveryEvalSetAndEveryControlAnyRunLoggedWithOneLinePerRun() throws Exception {
        var star = new ComparisonReport.Arm("star", "star", List.of("4", "5"), history(0.2, 0.1, Map.of()));
        var bstar = new ComparisonReport.Arm("bstar", "bstar", List.of("4", "5"), history(0.2, 0.15, Map.of("temperature", 0.9)));

        Report.Written written = ComparisonReport.write(dir, "star vs <bstar>", List.of(star, bstar), "<p>claim</p>");

        List<String> names = written.plots().stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("headline.png", "accuracy-1.png", "accuracy-4.png", "accuracy-5.png", "selected.png", "reward.png",
                "control-temperature.png"), names);
        for (Path png : written.plots()) assertNotNull(ImageIO.read(png.toFile()), png + " is readable");
        String html = Files.readString(written.html());
        assertTrue(html.contains("star vs &lt;bstar&gt;"), "title escaped");
        assertTrue(html.contains("<p>claim</p>"), "notes included");
        // headline = mean of sets 4 and 5: (p + p/2)/2 at p = 0.2 -> 15.0%, at p = 0.5 (bstar, last) -> 37.5%
        assertTrue(html.contains("<td>15.0%</td><td>37.5%</td><td>+22.5</td>"), html);
        assertFalse(html.contains("<script") || html.contains("https://"), "self-contained");
    }

    @Test
    void refusesTwoRunsWithTheSameLabel() {
        var a = new ComparisonReport.Arm("x", "star", List.of(), history(0.1, 0.1, Map.of()));
        var e = assertThrows(IllegalArgumentException.class, () -> ComparisonReport.write(dir, "t", List.of(a, a), ""));
        assertTrue(e.getMessage().contains("\"x\""), e.getMessage());
    }
}
