package io.autodidact.torchworker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.HfFixtures;
import io.autodidact.testing.TorchPython;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU worker's torch code (src/main/python/autodidact/worker) on CPU: the Python tests in src/test/python/torch_worker
 * (model logits equal to the transformers fixtures, cached decoding equal to the full forward, sampling, training steps)
 * run once in /usr/bin/python3, and each becomes one test here, named as in Python, failing with its traceback.
 */
class TorchWorkerTest {
    @TestFactory
    Stream<DynamicTest> pythonTestsOfTheTorchWorkerPass(@TempDir Path dir) throws Exception {
        TorchPython.assumeTorch();
        Path out = dir.resolve("results.json");
        TorchPython.Result run = TorchPython.run(300, List.of("src/test/python/torch_worker/run_tests.py", out.toString()),
                Map.of("AUTODIDACT_FIXTURES_HF", HfFixtures.hf().toAbsolutePath().toString())).orThrow("run_tests.py");
        JsonNode results = new ObjectMapper().readTree(out.toFile());
        assertFalse(results.isEmpty(), "no Python test ran:\n" + run.output());
        List<DynamicTest> tests = new ArrayList<>();
        results.fields().forEachRemaining(e -> {
            String status = e.getValue().get("status").asText(), message = e.getValue().get("message").asText();
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                assumeTrue(!status.equals("skip"), message);
                if (!status.equals("pass")) fail(message);
            }));
        });
        return tests.stream();
    }
}
