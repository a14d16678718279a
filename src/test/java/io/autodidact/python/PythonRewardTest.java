package io.autodidact.python;

import static io.autodidact.python.PythonTestSupport.one;
import static io.autodidact.python.PythonTestSupport.sample;
import static io.autodidact.python.PythonTestSupport.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void cachedScoresAreReusedUntilTheRewardFileChanges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("counter.py");
        Files.writeString(file, "def reward(sample):\n    return 0.25\n");
        try (PythonReward reward = PythonReward.open(PythonRewardSpec.of(file, "reward", false).withWorkers(1))) {
            List<Sample> samples = List.of(sample("a", "q", "x", "1"), sample("b", "q", "y", "1"));
            assertEquals(0.25, reward.score(samples).getFirst().reward());
            assertEquals(0.25, reward.score(samples).get(1).reward());
            assertEquals(2, reward.stats().cache().hitCount());
            assertEquals(2, reward.stats().scored(), "the second call never reached Python");
            String version = reward.version();

            Files.writeString(file, "def reward(sample):\n    return 0.75\n");
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertEquals(0.75, reward.score(samples).getFirst().reward(), "an edited file is reloaded, its old scores dropped");
            assertNotEquals(version, reward.version());

            Files.writeString(file, "def reward(sample:\n");
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
            Score broken = reward.score(samples).getFirst();
            assertTrue(broken.error().contains("no longer loads") && broken.error().contains("line 1"), broken.error());
        }
    }
}
