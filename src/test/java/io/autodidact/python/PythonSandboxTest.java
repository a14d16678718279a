package io.autodidact.python;

import static io.autodidact.python.PythonTestSupport.one;
import static io.autodidact.python.PythonTestSupport.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Problem;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile rewards in the in-process sandbox: each asserts the error and that nothing happened, then that the
 * host still scores a normal sample.
 */
class PythonSandboxTest {
    private static PythonReward hostile;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        hostile = PythonReward.open(spec("hostile.py", false, Duration.ofSeconds(2), 1));
    }

    @AfterAll
    static void close() {
        hostile.close();
    }

    private static Score attack(String name, Map<String, String> metadata) {
        return one(hostile, new Sample(new Problem(name + "-" + System.nanoTime(), name, Optional.empty(), Optional.empty(),
                OptionalDouble.empty(), metadata), ""));
    }

    private static Score attack(String name) {
        return attack(name, Map.of());
    }

    private static void assertFailed(Score s, String... expected) {
        assertTrue(s.failed(), "expected an error mentioning " + List.of(expected) + ", got " + s);
        assertTrue(java.util.Arrays.stream(expected).anyMatch(s.error()::contains), "error should mention one of " + List.of(expected) + ": " + s.error());
        assertEquals(0.0, s.reward());
        assertFalse(s.correct());
    }

    @AfterEach
    void hostStaysHealthy() {
        Score s = attack("ok");
        assertEquals("", s.error());
        assertEquals(1.0, s.reward());
    }

    @Test
    void readingAFileFails() {
        assertFailed(attack("read_file"), "Error");
    }

    @Test
    void writingAFileFailsAndWritesNothing() {
        Path target = dir.resolve("pwned.txt");
        assertFailed(attack("write_file", Map.of("path", target.toString())), "Error");
        assertFailed(attack("write_fileio", Map.of("path", target.toString())), "Error");
        assertFalse(Files.exists(target));
    }

    @Test
    void listingADirectoryFails() {
        assertFailed(attack("list_dir"), "Error");
    }

    @Test
    void processesCannotBeStarted() {
        Path target = dir.resolve("touched");
        // Depending on the call, GraalPy's emulated POSIX layer answers EPERM or the polyglot layer refuses.
        assertFailed(attack("run_subprocess", Map.of("path", target.toString())), "PermissionError", "blocked by the sandbox");
        assertFailed(attack("run_os_system", Map.of("path", target.toString())), "PermissionError", "blocked by the sandbox");
        assertFalse(Files.exists(target));
    }

    @Test
    void socketsCannotConnect() throws IOException {
        try (ServerSocket server = new ServerSocket(0)) {
            assertFailed(attack("open_socket", Map.of("port", String.valueOf(server.getLocalPort()))), "blocked by the sandbox");
            server.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, server::accept, "nothing may have connected");
        }
    }

    @Test
    void ctypesIsAbsent() {
        Path target = dir.resolve("touched");
        assertFailed(attack("load_ctypes", Map.of("path", target.toString())), "ctypes");
        assertFalse(Files.exists(target));
    }

    @Test
    void polyglotAndJavaAreUnreachable() {
        assertFailed(attack("polyglot_eval"), "Error");
        assertFailed(attack("java_type"), "Error");
    }

    @Test
    void theEnvironmentHoldsNoHostVariables() {
        Score s = attack("read_environment");
        assertEquals("", s.error());
        for (String name : System.getenv().keySet()) assertFalse(List.of(s.message().split(",")).contains(name), name + " leaked: " + s.message());
    }

    @Test
    void anEndlessLoopIsStoppedAtTheTimeLimitAndTheContextReplaced() {
        long before = hostile.stats().replacements();
        long t0 = System.nanoTime();
        assertFailed(attack("spin"), "time limit");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 2000 && ms < 10_000, "stopped after " + ms + " ms; the limit is 2000");
        assertEquals(before + 1, hostile.stats().replacements());
    }

    @Test
    void deepRecursionIsARecursionError() {
        assertFailed(attack("recurse"), "RecursionError");
        assertFailed(attack("recurse_unlimited"), "RecursionError");
    }

    @Test
    void threadsCannotBeStarted() {
        assertFailed(attack("start_thread"), "blocked by the sandbox");
    }

    @Test
    void printingAGigabyteHitsTheOutputLimit() {
        assertFailed(attack("print_flood"), "output limit");
        // A guest that swallows the error gets nowhere either: it runs into the time limit, output still bounded.
        assertFailed(attack("print_flood_ignoring_errors"), "time limit");
    }

    @Test
    void exitingTheInterpreterFailsOnlyTheSample() {
        assertFailed(attack("exit_interpreter"), "SystemExit");
        assertFailed(attack("hard_exit"), "exit");
        assertFailed(attack("kill_self"), "Error");
    }

    @Test
    void patchedBuiltinsDoNotLeakIntoTheNextSample() {
        assertEquals("", attack("patch_builtins").error());
        Score s = attack("check_builtins");
        assertEquals("", s.error());
        assertEquals(1.0, s.reward());
    }

    @Test
    void badReturnValuesAreErrorsThatSayWhatToReturn() {
        assertFailed(attack("nan"), "finite");
        assertFailed(attack("string"), "return a float");
        assertFailed(attack("none"), "None");
        assertFailed(attack("raises"), "ValueError: bad sample raises");
        assertFailed(attack("dict_without_score"), "without 'score'");
    }

    @Test
    void oneBadSampleDoesNotFailItsBatch() {
        long errorsBefore = hostile.stats().errors();
        {
            List<Score> scores = hostile.score(List.of(PythonTestSupport.sample("a", "ok", "", "1"),
                    PythonTestSupport.sample("b", "spin", "", "1"), PythonTestSupport.sample("c", "raises", "", "1"),
                    PythonTestSupport.sample("d", "ok", "", "1")));
            assertEquals(1.0, scores.get(0).reward());
            assertTrue(scores.get(1).error().contains("time limit"), scores.get(1).error());
            assertTrue(scores.get(2).error().contains("ValueError"), scores.get(2).error());
            assertEquals(1.0, scores.get(3).reward());
            assertEquals(errorsBefore + 2, hostile.stats().errors());
        }
    }

    @Test
    void aSyntaxErrorNamesTheFileAndLine() {
        PythonLoadException e = assertThrows(PythonLoadException.class,
                () -> PythonReward.open(spec("syntax_error.py", false, Duration.ofSeconds(2), 1)));
        assertTrue(e.getMessage().contains("syntax_error.py line 3"), e.getMessage());
        assertTrue(e.getMessage().contains("SyntaxError"), e.getMessage());
    }
}
