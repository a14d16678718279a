package io.autodidact.python;

import static io.autodidact.python.PythonTestSupport.one;
import static io.autodidact.python.PythonTestSupport.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.reward.Score;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Untrusted rewards run in a sandbox child JVM with a 256 MB heap: what the in-process sandbox cannot stop
 * (memory bombs, long-running built-ins) kills only the child, which is replaced; this JVM is untouched.
 */
// The first test counts sandbox processes; the others kill and replace the child, so it runs first.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PythonProcessSandboxTest {
    private static PythonReward untrusted;

    @BeforeAll
    static void start() {
        untrusted = PythonReward.open(new PythonRewardSpec(PythonTestSupport.TEST_PYTHON.resolve("hostile.py"), Optional.empty(), "reward",
                true, new SandboxLimits(Duration.ofSeconds(2), 1 << 16, 256), 1, 1, 0));
    }

    @AfterAll
    static void stop() {
        untrusted.close();
    }

    private static Score run(String attack) {
        return one(untrusted, sample(attack + System.nanoTime(), attack, "", "1"));
    }

    private static void assertHealthy() {
        Score ok = run("ok");
        assertEquals("", ok.error());
        assertEquals(1.0, ok.reward());
    }

    @Test
    @Order(1)
    void untrustedCodeRunsInAChildProcessWithTheSameSandbox() {
        assertHealthy();
        List<Long> pids = untrusted.sandboxPids();
        assertEquals(1, pids.size());
        assertNotEquals(ProcessHandle.current().pid(), pids.getFirst());
        Score thread = run("start_thread"), raises = run("raises"), spin = run("spin");
        assertTrue(thread.error().contains("blocked by the sandbox"), thread.error());
        assertTrue(raises.error().contains("ValueError"), raises.error());
        assertTrue(spin.error().contains("time limit"), "the child's own watchdog stops a loop: " + spin.error());
        assertEquals(pids, untrusted.sandboxPids(), "a stopped loop costs a context, not the process");
        assertHealthy();
    }

    @Test
    void allocatingTenGigabytesKillsOnlyTheChildWhichIsRestarted() {
        long heapBefore = Runtime.getRuntime().totalMemory();
        List<Long> before = untrusted.sandboxPids();
        Score s = run("allocate_10gb");
        assertTrue(s.failed(), "10 GB cannot fit in a 256 MB child: " + s);
        assertTrue(s.error().contains("sandbox process died") || s.error().contains("MemoryError"), s.error());
        assertHealthy();
        if (s.error().contains("died")) assertNotEquals(before, untrusted.sandboxPids(), "a dead child is replaced");
        assertTrue(Runtime.getRuntime().totalMemory() < heapBefore + (1L << 30), "this JVM's heap did not take the allocation");
    }

    @Test
    void aBuiltinThatIgnoresInterruptsIsKilledWithItsProcess() {
        List<Long> before = untrusted.sandboxPids();
        long t0 = System.nanoTime();
        Score s = run("long_builtin"); // 10**(10**8) ignores interrupts for ~40 s (SANDBOX.md)
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(s.error().contains("killed"), s.error());
        assertTrue(ms < 15_000, "killed after " + ms + " ms");
        assertHealthy();
        assertFalse(untrusted.sandboxPids().isEmpty());
        assertNotEquals(before, untrusted.sandboxPids());
        assertTrue(untrusted.stats().replacements() >= 1);
    }
}
