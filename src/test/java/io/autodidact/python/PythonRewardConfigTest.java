package io.autodidact.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Score;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code task.reward} in a run config: validated with the field named, and it replaces the verifier. */
class PythonRewardConfigTest {
    private static final String TASK = "task:\n  name: addition\n  reward:\n";

    private static RunSpec parse(String yaml, Path base) {
        return RunSpecReader.parse(yaml, base, List.of(), "test.yaml");
    }

    @Test
    void aPythonRewardReplacesTheTasksVerifier(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("always_half.py"), "def reward(sample):\n    return {'score': 0.5, 'message': sample.prompt[:3]}\n");
        RunSpec spec = parse(TASK + "    python: always_half.py\n    timeout_ms: 3000\n    workers: 1\n", dir);
        assertEquals(Map.of("python", dir.resolve("always_half.py").toString(), "function", "reward", "untrusted", false, "timeout_ms", 3000,
                "batch", 64, "workers", 1, "cache_size", 100_000L, "heap_mb", 512), ((Map<?, ?>) spec.toMap().get("task")).get("reward"));
        Reward reward = TaskWorkload.of(spec).reward();
        assertEquals("python:always_half.py#reward", reward.name());
        Score s = reward.score(List.of(PythonTestSupport.sample("p", "12+3=", "15", "15"))).getFirst();
        assertEquals(0.5, s.reward());
        assertEquals("12+", s.message());
        ((PythonReward) reward).close();
    }

    @Test
    void badRewardSectionsAreRefusedNamingTheField(@TempDir Path dir) throws Exception {
        ConfigMap.ConfigException typo = assertThrows(ConfigMap.ConfigException.class, () -> parse(TASK + "    pyton: r.py\n", dir));
        assertEquals("task.reward.pyton", typo.field());
        assertEquals("task.reward.python", assertThrows(ConfigMap.ConfigException.class,
                () -> parse(TASK + "    python: missing.py\n", dir)).field());
        assertEquals("task.reward.untrusted", assertThrows(ConfigMap.ConfigException.class,
                () -> parse(TASK + "    code_execution: true\n    untrusted: false\n", dir)).field());
        Files.copy(PythonTestSupport.TEST_PYTHON.resolve("syntax_error.py"), dir.resolve("broken.py"));
        RunSpec broken = parse(TASK + "    python: broken.py\n", dir);
        ConfigMap.ConfigException e = assertThrows(ConfigMap.ConfigException.class, () -> TaskWorkload.of(broken));
        assertEquals("task.reward.python", e.field());
        assertTrue(e.getMessage().contains("broken.py line 3: SyntaxError"), e.getMessage());
    }
}
