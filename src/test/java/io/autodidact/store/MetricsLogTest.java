package io.autodidact.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.RewardStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

    @TempDir
    Path dir;

    static IterationMetrics metrics(int iteration, double pass1, double trainLoss) {
        return new IterationMetrics(iteration, pass1, Map.of("easy", Math.min(1, pass1 + 0.2), "hard", pass1 / 2), 8,
                Map.of("easy", 1.0, "hard", 0.5), 64, 20, 18, trainLoss,
                RewardStats.of(new double[] {0, 0, 1, 1, 1}), Map.of("GENERATE", 12.5, "TRAIN", 30.0),
                Map.of("temperature", 0.9));
    }

    @Test
    void metricsRoundTripThroughJsonLinesWithSnakeCaseKeys() throws Exception {
        MetricsLog log = new MetricsLog(dir.resolve("metrics.jsonl"));
        IterationMetrics first = metrics(0, 0.25, Double.NaN);
        IterationMetrics second = metrics(1, 0.5, 0.75);
        log.append(first);
        log.append(second);

        assertEquals(List.of(first, second), new MetricsLog(log.file()).read());
        assertFalse(first.trained());
        JsonNode line = StoreJson.MAPPER.readTree(Files.readAllLines(log.file()).get(1));
        assertEquals(0.5, line.get("eval_pass1").asDouble());
        assertEquals(0.25, line.get("eval_pass1_by_difficulty").get("hard").asDouble());
        assertEquals(18, line.get("samples_selected").asInt());
        assertEquals(0.6, line.get("reward").get("mean").asDouble(), 1e-12);
    }

    @Test
    void laterLineForAnIterationWinsAndATornTailIsIgnored() throws Exception {
        MetricsLog log = new MetricsLog(dir.resolve("metrics.jsonl"));
        log.append(metrics(1, 0.25, 1.0));
        log.append(metrics(2, 0.5, 0.9));
        log.append(metrics(1, 0.375, 0.8)); // iteration 1 redone after a crash
        Files.writeString(log.file(), "{\"iteration\": 3, \"eval_pa", StandardOpenOption.APPEND);

        List<IterationMetrics> read = log.read();
        assertEquals(List.of(1, 2), read.stream().map(IterationMetrics::iteration).toList());
        assertEquals(0.375, read.get(0).evalPass1());
        log.append(metrics(3, 0.625, 0.7));
        assertEquals(3, log.read().size());
    }

    @Test
    void metricsRejectImpossibleValuesNamingTheField() {
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, () -> metrics(1, 1.5, 0));
        assertTrue(rate.getMessage().contains("evalPass1"), rate.getMessage());
        IllegalArgumentException counts = assertThrows(IllegalArgumentException.class,
                () -> new IterationMetrics(1, 0.5, Map.of(), 0, Map.of(), 4, 5, 0, 0, RewardStats.EMPTY, Map.of(), Map.of()));
        assertTrue(counts.getMessage().contains("samplesCorrect"), counts.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new IterationMetrics(1, 0.5, Map.of(), 0, Map.of("easy", 1.0), 4, 1, 0, 0, RewardStats.EMPTY, Map.of(), Map.of()));
    }

    @Test
    void rewardStatsUseInterpolatedQuartiles() {
        RewardStats stats = RewardStats.of(new double[] {4, 1, 3, 2, 5});
        assertEquals(5, stats.count());
        assertEquals(3.0, stats.mean());
        assertEquals(1.0, stats.min());
        assertEquals(2.0, stats.q1());
        assertEquals(3.0, stats.median());
        assertEquals(4.0, stats.q3());
        assertEquals(5.0, stats.max());
        assertEquals(1.75, RewardStats.of(new double[] {1, 2, 3, 4}).q1());
        assertEquals(RewardStats.EMPTY, RewardStats.of(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> RewardStats.of(new double[] {1, Double.NaN}));
    }
}
