package io.autodidact.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Model-written programs against tests, in a sandbox child process. */
class PythonCodeExecutionTest {
    private static final String ADD_TESTS = "[\"assert add(2, 3) == 5\", \"assert add(-1, 1) == 0\", \"assert add(2, 2) == 4\"]";

    private static Sample program(String id, String code, String tests) {
        return PythonTestSupport.sample(id, code, Map.of("tests", tests));
    }

    @Test
    void scoresTheFractionOfTestsPassedWithPerTestOutcomes() {
        try (PythonReward reward = CodeExecutionReward.create(new SandboxLimits(Duration.ofSeconds(2), 1 << 16, 256), 1, 1000)) {
            List<Score> scores = reward.score(List.of(
                    program("right", "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```", ADD_TESTS),
                    program("half", "def add(a, b):\n    return a + b if a > 0 else 1", ADD_TESTS),
                    program("io", "n = int(input())\nprint(n * 2)", "[{\"input\": \"4\\n\", \"output\": \"8\\n\"}, {\"input\": \"1\", \"output\": \"3\"}]"),
                    program("loops", "def add(a, b):\n    while True:\n        pass", ADD_TESTS),
                    program("cheat", "import builtins\nbuiltins.AssertionError = None\nbuiltins.abs = lambda x: 0\ndef add(a, b): return 0", ADD_TESTS),
                    program("after-cheat", "def add(a, b):\n    assert abs(-3) == 3\n    return a + b", ADD_TESTS),
                    program("syntax", "def add(a, b) return a", ADD_TESTS),
                    program("no-tests", "def add(a, b): return a + b", "[]"),
                    program("swap-module", "import sys\nsys.modules['re'] = None\ndef add(a, b): return 0", ADD_TESTS),
                    program("after-swap", "import re\ndef add(a, b): return int(re.sub('x', '', str(a + b)))", ADD_TESTS)));
            Score right = scores.get(0);
            assertEquals(1.0, right.reward());
            assertTrue(right.correct());
            assertEquals(List.of(1.0, 1.0, 1.0), right.steps());
            assertEquals("3/3 tests passed", right.message());

            Score half = scores.get(1);
            assertEquals(2.0 / 3, half.reward(), 1e-12);
            assertFalse(half.correct());
            assertEquals(List.of(1.0, 0.0, 1.0), half.steps());
            assertTrue(half.message().contains("test 2: AssertionError"), half.message());

            assertEquals(0.5, scores.get(2).reward());
            assertTrue(scores.get(2).message().contains("expected '3', got '2'"), scores.get(2).message());

            assertTrue(scores.get(3).error().contains("time limit"), "a runaway program fails only itself: " + scores.get(3));
            assertEquals(List.of(0.0, 1.0, 0.0), scores.get(4).steps(), "add() returning 0 passes only add(-1, 1) == 0: " + scores.get(4));
            assertEquals(1.0, scores.get(5).reward(), "the previous program's patches were undone: " + scores.get(5));
            assertEquals(0.0, scores.get(6).reward());
            assertTrue(scores.get(6).message().contains("SyntaxError"), scores.get(6).message());
            assertTrue(scores.get(7).error().contains("no tests"), scores.get(7).toString());
            assertEquals(1.0, scores.get(9).reward(), "the module table the previous program emptied was restored: " + scores.get(9));
            assertEquals(1, reward.sandboxPids().size(), "all of it in one child process, never in this JVM");
        }
    }

    @Test
    void aRunawayProgramFailsAloneInItsBatchWithoutARetryOrANewChild() {
        try (PythonReward reward = CodeExecutionReward.create(new SandboxLimits(Duration.ofSeconds(2), 1 << 16, 256), 1, 0)) {
            List<Sample> batch = new ArrayList<>();
            for (int i = 0; i < 12; i++)
                batch.add(i == 5 ? program("spin", "def add(a, b):\n    while True:\n        pass", ADD_TESTS)
                        : program("p" + i, i % 2 == 0 ? "def add(a, b): return a + b" : "def add(a, b): return a - b", ADD_TESTS));
            List<Long> pids = reward.sandboxPids();
            List<Score> scores = reward.score(batch);
            for (int i = 0; i < 12; i++) {
                Score s = scores.get(i);
                if (i == 5) assertTrue(s.failed() && s.error().contains("time limit"), "the runaway program fails: " + s);
                else assertEquals(i % 2 == 0 ? 1.0 : 0.0, s.reward(), "program " + i + " scored in its place: " + s);
            }
            assertEquals(0, reward.stats().failedCalls(), "one call answered the whole batch; nothing was retried one program at a time");
            assertEquals(pids, reward.sandboxPids(), "a stopped program costs a context in the child, not the child");
        }
    }

    @Test
    void aBatchThatRunsLongerThanTheChildsGraceIsNotMistakenForAHungChild() {
        // Grace for a silent child: time limit 2 s + 5 s. Nine programs of about a second each take longer than
        // that in one batch; the child's progress lines keep it alive.
        String second = "import time\nt = time.time()\nwhile time.time() - t < 1.0:\n    pass\ndef add(a, b):\n    return a + b";
        try (PythonReward reward = CodeExecutionReward.create(new SandboxLimits(Duration.ofSeconds(2), 1 << 16, 256), 1, 0)) {
            List<Long> pids = reward.sandboxPids();
            List<Sample> batch = new ArrayList<>();
            for (int i = 0; i < 9; i++) batch.add(program("slow" + i, second, ADD_TESTS));
            for (Score s : reward.score(batch)) assertEquals(1.0, s.reward(), s.toString());
            assertEquals(pids, reward.sandboxPids(), "the child was not killed");
            assertEquals(0, reward.stats().failedCalls());
        }
    }
}
