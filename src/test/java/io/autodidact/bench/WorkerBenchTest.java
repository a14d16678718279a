package io.autodidact.bench;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.FinishReason;
import io.autodidact.engine.Generation;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.remote.ExchangeProbe;
import io.autodidact.worker.WorkerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench workers} in its quick configuration (a smoke test, not timed), and the echo exchange it measures. */
class WorkerBenchTest {

    @Test
    void theEchoExchangeReturnsEveryRolloutUnchanged() {
        List<Generation> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++)
            rows.add(new Generation(i, i % 3, new int[] {i, i + 1, 7}, new float[] {-0.5f, -i, 0f}, "r" + i + "é", FinishReason.values()[i % 3]));
        try (WorkerServer w = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of("t"), EngineOptions.defaults().withThreads(1)));
                ExchangeProbe probe = new ExchangeProbe(w.address(), "t")) {
            ExchangeProbe.Echo echo = probe.echo(rows, 64);
            for (int i = 0; i < rows.size(); i++) {
                Generation want = rows.get(i), got = echo.rows().get(i);
                assertEquals(want.promptIndex(), got.promptIndex());
                assertEquals(want.sampleIndex(), got.sampleIndex());
                assertArrayEquals(want.tokens(), got.tokens());
                assertArrayEquals(want.logprobs(), got.logprobs());
                assertEquals(want.text(), got.text());
                assertEquals(want.finishReason(), got.finishReason());
            }
            assertTrue(echo.bytes() >= 2L * 300 * (3 * 4 + 3 * 4), "at least the token and logprob bytes, both ways: " + echo.bytes());
        }
    }

    @Test
    void theQuickBenchWritesEveryFigureAsAFiniteNumber(@TempDir Path out) throws Exception {
        BenchTable table = WorkerBench.run(WorkerBench.Options.quick(1), System.err::println);
        Path file = table.writeJson(out);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new com.fasterxml.jackson.databind.ObjectMapper().readValue(file.toFile(), Map.class);
        for (String key : List.of("remote_overhead_fraction", "remote_overhead_cpu_fraction", "exchange_gb_per_s", "weight_sync_s_per_100mb", "workers_1_tokens_per_s",
                "workers_2_tokens_per_s", "exchange_allocated_bytes_per_rollout", "train_allocated_bytes_per_row")) {
            assertTrue(json.get(key) instanceof Number, key + " in " + json);
            double v = ((Number) json.get(key)).doubleValue();
            assertTrue(Double.isFinite(v), key + " = " + v);
        }
        for (String key : List.of("exchange_gb_per_s", "weight_sync_s_per_100mb", "workers_1_tokens_per_s", "workers_2_tokens_per_s"))
            assertTrue(((Number) json.get(key)).doubleValue() > 0, key + " > 0 in " + json);
    }
}
