package io.autodidact.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.RewardStats;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @TempDir
    Path dir;

    private static List<IterationMetrics> history() {
        List<IterationMetrics> rows = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            double p = 0.1 + 0.15 * i;
            rows.add(new IterationMetrics(i, p, Map.of("1-digit", Math.min(1, p + 0.3), "3-digit", p / 2), 4,
                    Map.of("1-digit", 1.0), 128, 20 + 10 * i, 18 + 9 * i, i == 0 ? Double.NaN : 2.0 / i,
                    RewardStats.of(new double[] {0, 0.2 * i, 0.5, 1, 0.1 * i}), Map.of("GENERATE", 10.0 + i),
                    Map.of("temperature", 0.7)));
        }
        return rows;
    }

    @Test
    void writesReadablePngsOfTheExpectedSizeAndHtmlReferencingEach() throws Exception {
        Report.Written written = Report.write(dir, "Run <star & addition>", history());

        assertEquals(List.of("accuracy.png", "samples.png", "reward.png", "loss.png"),
                written.plots().stream().map(p -> p.getFileName().toString()).toList());
        String html = Files.readString(written.html());
        for (Path png : written.plots()) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " is not a readable image");
            assertEquals(Report.PLOT_WIDTH, image.getWidth());
            assertEquals(Report.PLOT_HEIGHT, image.getHeight());
            assertTrue(html.contains("src=\"plots/" + png.getFileName() + "\""), "html references " + png.getFileName());
        }
        assertTrue(html.contains("Run &lt;star &amp; addition&gt;"), "title is escaped");
        assertTrue(html.contains("pass@1 3-digit"), "per-difficulty column");
        assertTrue(html.contains("10.0% → 70.0%"), "first-to-last summary");
        assertFalse(html.contains("<script") || html.contains("<link") || html.contains("http://") || html.contains("https://"),
                "self-contained");
        try (Stream<Path> files = Files.list(dir.resolve("plots"))) {
            assertEquals(4, files.count(), "no temp files left beside the plots");
        }
    }

    @Test
    void accuracyChartDrawsOneColouredLinePerDifficultyPlusOverall() throws Exception {
        Report.Written written = Report.write(dir, "r", history());
        BufferedImage accuracy = ImageIO.read(written.plots().getFirst().toFile());

        // Palette colours 0..2: overall, 1-digit, 3-digit.
        for (int rgb : new int[] {0x4E79A7, 0xF28E2B, 0xE15759})
            assertTrue(countPixels(accuracy, rgb) > 50, String.format("series colour %06X is drawn", rgb));
        assertEquals(0, countPixels(accuracy, 0x76B7B2), "no fourth series");
    }

    @Test
    void reportOfARunDirectoryUsesItsMetricsLogAndAnEmptyRunStillRenders() throws Exception {
        RunDirectory run = RunDirectory.create(dir.resolve("run-7"), "a: 1\n", Clock.systemUTC());
        Report.Written empty = Report.write(run);
        assertTrue(Files.readString(empty.html()).contains("No iteration has finished yet"));
        assertEquals(3, empty.plots().size(), "no loss chart before anything trained");

        history().forEach(run.metrics()::append);
        Report.Written full = Report.write(run);
        assertEquals(run.reportFile(), full.html());
        assertTrue(Files.readString(full.html()).contains("Run run-7"));
        assertEquals(4, full.plots().size());
    }

    private static int countPixels(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++)
            for (int x = 0; x < image.getWidth(); x++) if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) n++;
        return n;
    }
}
