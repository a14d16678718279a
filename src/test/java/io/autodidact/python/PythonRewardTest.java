package io.autodidact.python;

import static io.autodidact.python.PythonTestSupport.one;
import static io.autodidact.python.PythonTestSupport.sample;
import static io.autodidact.python.PythonTestSupport.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PythonRewardTest {

    @Test
    void scoresSamplesWithAUserRewardAndBundledHelpers() {
        try (PythonReward reward = PythonReward.open(spec("basic_reward.py", false, Duration.ofSeconds(10), 2))) {
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < 40; i++)
                samples.add(sample("p" + i, "what is " + i + "+1?", "so the answer is \\boxed{" + (i % 2 == 0 ? i + 1 : i) + "}", String.valueOf(i + 1)));
            List<Score> scores = reward.score(samples);
            assertEquals(40, scores.size());
            for (int i = 0; i < 40; i++) {
                Score s = scores.get(i);
                assertEquals("", s.error(), "sample " + i);
                assertEquals(i % 2 == 0, s.correct(), "sample " + i);
                assertEquals(i % 2 == 0 ? 1.0 : 0.0, s.reward());
                assertEquals(List.of(0.5, 1.0), s.steps());
                assertEquals("saw " + (i % 2 == 0 ? i + 1 : i), s.message());
            }
            assertEquals("python:basic_reward.py#reward", reward.name());
            assertFalse(one(reward, sample("x", "q", "#### 3/4", "0.75")).failed());
            assertTrue(one(reward, sample("x", "q", "#### 3/4", "0.75")).correct());
        }
    }
}
