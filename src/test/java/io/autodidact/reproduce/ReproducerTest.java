package io.autodidact.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Stage;
import io.autodidact.reproduce.Reproduction.Arm;
import io.autodidact.reproduce.Reproduction.Verdict;
import io.autodidact.store.RunDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A two-arm reproduction on the real engine at test size: shared base, same samples, verdict, report, resume. */
class ReproducerTest {

    @TempDir
    Path dir;

    private final AtomicReference<Map<String, Reproduction.ArmResult>> judged = new AtomicReference<>();

    private final java.util.concurrent.atomic.AtomicInteger probeCalls = new java.util.concurrent.atomic.AtomicInteger();

    /** Measures the base checkpoint's parameter files, to prove a probe sees the shared base and every arm. */
    private final Reproduction.Probe probe = new Reproduction.Probe() {
        @Override
        public String name() {
            return "files";
        }

        @Override
        public Map<String, Double> measure(Reproduction.ProbeContext c) {
            probeCalls.incrementAndGet();
            assertTrue(Files.isRegularFile(c.baseCheckpoint().resolve("model.safetensors")));
            return Map.of("arms", (double) c.armDirs().size());
        }
    };

    private Reproduction tiny() {
        return new Reproduction("tiny", "continuing beats restarting", "/reproduce/tiny.yaml", List.of("iterations=1"),
                List.of(new Arm("continue", List.of()), new Arm("restart", List.of("recipe.restart_from_base=true"))), List.of(probe),
                (arms, probes) -> {
                    assertEquals(Map.of("files", Map.of("arms", 2.0)), probes);
                    judged.set(arms);
                    return new Verdict(arms.get("continue").finalAccuracy() >= arms.get("restart").finalAccuracy(), "compared",
                            Map.of("n", arms.size()));
                });
    }

    private Reproducer reproducer(LoopEvents events) {
        return new Reproducer(spec -> DjlEngineFactory.forRun(spec, 1), events, new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void armsStartFromOneBasePolicyAndTheSummaryHoldsEveryArmAndTheVerdict() throws Exception {
        Path out = dir.resolve("r");
        Map<String, Object> summary = reproducer(LoopEvents.NONE).start(tiny(), 5, List.of(), out);

        Map<String, Reproduction.ArmResult> arms = judged.get();
        assertEquals(List.of("continue", "restart"), List.copyOf(arms.keySet()));
        // Both arms evaluate the same base checkpoint at iteration 0 (greedy), so their starting points agree exactly.
        assertEquals(arms.get("continue").baseAccuracy(), arms.get("restart").baseAccuracy());
        assertEquals(arms.get("continue").metrics().getFirst().evalPass1ByDifficulty(), arms.get("restart").metrics().getFirst().evalPass1ByDifficulty());
        assertEquals(arms.get("continue").samplesGenerated(), arms.get("restart").samplesGenerated(), "same number of samples");
        assertEquals(24 * 3, arms.get("restart").samplesGenerated());
        Path base = RunDirectory.open(out.resolve("base")).checkpoints().directory(0).toAbsolutePath();
        for (String arm : List.of("continue", "restart")) {
            Map<String, Object> config = RunDirectory.open(out.resolve("arms").resolve(arm)).readRunConfig();
            assertEquals(base.toString(), String.valueOf(((Map<?, ?>) config.get("model")).get("checkpoint")), arm + " loads the base policy");
        }
        assertTrue(Files.isRegularFile(out.resolve("summary.json")));
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
        assertTrue(Files.readString(out.resolve("report.html")).contains("continuing beats restarting"));
        assertEquals("tiny", summary.get("reproduction"));
        assertEquals(Map.of("n", 2), summary.get("numbers"));
        assertTrue(((Map<?, ?>) summary.get("arms")).containsKey("restart"));
        assertEquals(Map.of("files", Map.of("arms", 2.0)), summary.get("probes"));
        assertEquals(1, probeCalls.get());
    }

    @Test
    void aKilledReproductionResumesWithoutRedoingTheBaseOrAFinishedArm() throws Exception {
        Path out = dir.resolve("r");
        LoopEvents crashInSecondArmTraining = new LoopEvents() {
            int trains;

            @Override
            public void stageStarted(int iteration, Stage stage, long total, String unit) {
                if (stage == Stage.TRAIN && ++trains == 2) throw new IllegalStateException("simulated crash");
            }
        };
        assertThrows(IllegalStateException.class, () -> reproducer(crashInSecondArmTraining).start(tiny(), 5, List.of(), out));
        assertFalse(Files.exists(out.resolve("summary.json")));
        long baseLines = Files.readAllLines(out.resolve("base/journal.jsonl")).size();
        long firstArmLines = Files.readAllLines(out.resolve("arms/continue/journal.jsonl")).size();

        Map<String, Object> summary = reproducer(LoopEvents.NONE).resume(out, name -> tiny());

        assertEquals(baseLines, Files.readAllLines(out.resolve("base/journal.jsonl")).size(), "base not redone");
        assertEquals(firstArmLines, Files.readAllLines(out.resolve("arms/continue/journal.jsonl")).size(), "finished arm not redone");
        assertEquals(72L, judged.get().get("restart").samplesGenerated(), "the interrupted arm completed with every sample once");
        assertTrue(Files.isRegularFile(out.resolve("summary.json")));
        assertEquals(5, ((Number) summary.get("seed")).intValue());
        assertEquals(1, probeCalls.get(), "the probe ran once, after the arms");
        reproducer(LoopEvents.NONE).resume(out, name -> tiny());
        assertEquals(1, probeCalls.get(), "a finished probe is read back, not taken again");
    }

    @Test
    void aBadArmConfigIsRefusedBeforeAnyWorkStarts() {
        Path out = dir.resolve("r");
        Reproduction bad = new Reproduction("bad", "c", "/reproduce/tiny.yaml", List.of(),
                List.of(new Arm("a", List.of()), new Arm("b", List.of("recipe.samplez=3"))), (arms, probes) -> new Verdict(true, "", Map.of()));
        var e = assertThrows(IllegalArgumentException.class, () -> reproducer(LoopEvents.NONE).start(bad, 0, List.of(), out));
        assertTrue(e.getMessage().contains("samplez"), e.getMessage());
        assertFalse(Files.exists(out), "nothing written");
    }
}
