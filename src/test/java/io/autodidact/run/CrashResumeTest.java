package io.autodidact.run;

import static io.autodidact.run.LoopRunnerTest.ENGINES;
import static io.autodidact.run.LoopRunnerTest.durableSamples;
import static io.autodidact.run.LoopRunnerTest.generated;
import static io.autodidact.run.LoopRunnerTest.rolloutSet;
import static io.autodidact.run.LoopRunnerTest.tiny;
import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Stage;
import io.autodidact.run.LoopRunnerTest.Crash;
import io.autodidact.run.LoopRunnerTest.CrashAt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated crashes in every stage, each resumed in this JVM. The pom runs this class in a JVM of its own (surefire
 * execution {@code fresh-jvm}): libtorch's TRAIN stops being bitwise reproducible in a process that ever ran it with
 * more than one thread, as other tests do (measured; see the README on determinism).
 */
class CrashResumeTest {
    private static final String LAST = "checkpoints/iter-0002/model.safetensors";

    /**
     * The resume contract, crash by crash: every (iteration, problem, sample) ends up stored exactly once, the
     * rollout parts that were durable before the crash are untouched by the resume (finished work is not redone),
     * and the journal records each stage and part once; and the resumed run equals the uninterrupted one bit for bit
     * (samples, scores, selection, final weights).
     */
    @Test
    void resumesAfterACrashInEveryStageToTheSameRolloutsAndWeightsKeepingFinishedWork(@TempDir Path tmp) throws Exception {
        Path reference = tmp.resolve("reference");
        RunLauncher.start(tiny(), reference, ENGINES, LoopEvents.NONE).runner().run();
        Map<String, String> expected = rolloutSet(reference);
        java.util.Set<String> expectedKeys = expected.keySet();

        List<CrashAt> crashes = List.of(
                new CrashAt(0, Stage.BOOTSTRAP, 20),
                new CrashAt(1, Stage.GENERATE, 20),  // after two of three parts are durable
                new CrashAt(1, Stage.SCORE, 2),
                new CrashAt(1, Stage.SELECT, 1),
                new CrashAt(1, Stage.TRAIN, 3),
                new CrashAt(2, Stage.EVALUATE, 1));
        int i = 0;
        for (CrashAt crash : crashes) {
            Path dir = tmp.resolve("crash-" + i++);
            var first = RunLauncher.start(tiny(), dir, ENGINES, crash);
            assertThrows(Crash.class, () -> first.runner().run(), "crash " + crash);
            Map<String, String> durable = durableSamples(dir);
            RunLauncher.resume(dir, spec -> ENGINES, LoopEvents.NONE).runner().run();
            assertEquals(expectedKeys, rolloutSet(dir).keySet(), "every rollout exactly once after a crash in " + crash);
            assertEquals(expected, rolloutSet(dir), "the rollouts after a crash in " + crash + " differ from the uninterrupted run's");
            assertArrayEquals(Files.readAllBytes(reference.resolve(LAST)), Files.readAllBytes(dir.resolve(LAST)),
                    "final weights after a crash in " + crash);
            Map<String, String> after = generated(dir);
            for (var e : durable.entrySet())
                assertEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " was regenerated after a crash in " + crash);
            List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl")).stream()
                    .map(l -> l.replaceAll("\"timestamp\":\"[^\"]*\",", "").replaceAll(",\"data\":.*", "")).toList();
            assertEquals(new java.util.HashSet<>(lines).size(), lines.size(), "a stage or part journaled twice after a crash in " + crash);
        }
    }

}
