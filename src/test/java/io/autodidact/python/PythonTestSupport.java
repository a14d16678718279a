package io.autodidact.python;

import io.autodidact.loop.Problem;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** Shared helpers: every test uses {@link PythonRuntime#shared()}, so the suite pays for one engine. */
final class PythonTestSupport {
    static final Path TEST_PYTHON = Path.of("src", "test", "python");

    private PythonTestSupport() {}

    static Sample sample(String id, String prompt, String completion, String answer) {
        return new Sample(new Problem(id, prompt, Optional.of(answer), Optional.empty(), OptionalDouble.empty(), Map.of()), completion);
    }

    static Sample sample(String id, String completion, Map<String, String> metadata) {
        return new Sample(new Problem(id, "p", Optional.empty(), Optional.empty(), OptionalDouble.empty(), metadata), completion);
    }

    static PythonRewardSpec spec(String file, boolean untrusted, Duration timeout, int workers) {
        return new PythonRewardSpec(TEST_PYTHON.resolve(file), Optional.empty(), "reward", untrusted,
                SandboxLimits.DEFAULT.withTimeout(timeout), 16, workers, 10_000);
    }

    static Score one(PythonReward reward, Sample s) {
        return reward.score(List.of(s)).getFirst();
    }
}
