package io.autodidact.python;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One program must not change another's result, even when both run in the same interpreter. Each hostile program
 * below is followed by a victim whose tests pass only if the attack did not outlive its program; the grader's
 * interpreter is the real one (the code-execution program in a GraalPy context of this JVM, as in a sandbox child).
 */
class CodeExecutionIsolationTest {
    private static ContextPool pool;

    @BeforeAll
    static void start() {
        pool = new ContextPool(PythonRuntime.shared(), PythonProgram.of(List.of(), CodeExecutionReward.MODULE, "reward"),
                SandboxLimits.DEFAULT.withTimeout(Duration.ofSeconds(60)), 1);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static JsonNode run(String program, Object... tests) {
        ObjectNode sample = SandboxProtocol.JSON.createObjectNode();
        sample.put("id", "p").put("prompt", "p").put("completion", program).putNull("answer");
        sample.putObject("metadata").set("tests", SandboxProtocol.JSON.valueToTree(List.of(tests)));
        ObjectNode request = SandboxProtocol.JSON.createObjectNode();
        request.putArray("samples").add(sample);
        return SandboxProtocol.read(pool.call(request.toString())).get("results").get(0);
    }

    /** Runs the attack, then the victim; returns whether the attack's context was replaced. */
    private static boolean attackThenVictimPasses(String attack, String victim, Object... victimTests) {
        long before = SandboxedContext.replacedAfterProgram();
        run(attack, "assert True");
        boolean replaced = SandboxedContext.replacedAfterProgram() > before;
        JsonNode result = run(victim, victimTests);
        assertEquals(1.0, result.get("score").asDouble(), "the victim after\n" + attack + "\nscored " + result);
        return replaced;
    }

    @Test
    void aProgramCannotEditTheSnapshotThroughItsCallersFrame() {
        // What the grader's own snapshot allowed before the guard held it: edit what later programs are restored to.
        assertTrue(attackThenVictimPasses("""
                import sys, builtins
                g = sys._getframe(1).f_globals
                for v in list(g.values()):
                    if isinstance(v, dict) and 'sum' in v:
                        v['sum'] = lambda xs: 42
                builtins.sum = lambda xs: 42
                """, "def total(xs):\n    return sum(xs)", "assert total([1, 2]) == 3"));
    }

    @Test
    void patchingAModuleItImportedDoesNotReachTheNextProgram() {
        assertTrue(attackThenVictimPasses("import math\nmath.sqrt = lambda x: 3.0",
                "import math\ndef root(x):\n    return math.sqrt(x)", "assert root(16) == 4.0"));
        assertTrue(attackThenVictimPasses("import math\ndel math.pi\nmath.__getattr__ = lambda name: 3",
                "import math\ndef p():\n    return math.pi", "assert p() > 3.14"));
        assertTrue(attackThenVictimPasses("from textwrap import dedent\nimport textwrap\ntextwrap.dedent = lambda s: 'x'",
                "import textwrap\ndef f(s):\n    return textwrap.dedent(s)", "assert f('  a') == 'a'"));
    }

    @Test
    void patchingAClassOfAModuleDoesNotReachTheNextProgram() {
        assertTrue(attackThenVictimPasses("from fractions import Fraction\nFraction.__eq__ = lambda a, b: True",
                "from fractions import Fraction\ndef half():\n    return Fraction(1, 2)", "assert half() != Fraction(1, 3)"));
        // Reached through an instance, with the module named under another name: checked in full.
        assertTrue(attackThenVictimPasses("import collections as c\ntype(c.Counter()).most_common = lambda self, n=None: []",
                "from collections import Counter\ndef top(s):\n    return Counter(s).most_common(1)[0][0]", "assert top('abca') == 'a'"));
    }

    @Test
    void reflectionCodeFromStringsAndNormalisedSpellingsReplaceTheContext() {
        assertTrue(attackThenVictimPasses("exec('import math; math.pi = 3')", "import math\ndef p():\n    return math.pi", "assert p() > 3.14"));
        // NFKC turns these full-width letters into setattr, as Python's parser does.
        assertTrue(attackThenVictimPasses("import math\n\uff53\uff45\uff54\uff41\uff54\uff54\uff52(math, 'pi', 3)",
                "import math\ndef p():\n    return math.pi", "assert p() > 3.14"));
        assertTrue(attackThenVictimPasses("import builtins\nbuiltins.abs = lambda x: 0",
                "def f(x):\n    return abs(x)", "assert f(-3) == 3"));
        assertTrue(attackThenVictimPasses("import sys\nsys.modules['re'] = None",
                "import re\ndef f(s):\n    return re.sub('x', '', s)", "assert f('axb') == 'ab'"));
    }

    @Test
    void interpreterSettingsAreRestoredWithoutReplacingTheContext() {
        assertFalse(attackThenVictimPasses("import sys\nsys.setrecursionlimit(50)",
                "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)", "assert depth(150) == 150"));
        assertFalse(attackThenVictimPasses("import decimal\ndecimal.getcontext().prec = 3",
                "from decimal import Decimal\ndef seventh():\n    return str(Decimal(1) / Decimal(7))", "assert seventh() == '0.1428571428571428571428571429'"));
        assertFalse(attackThenVictimPasses("import sys\ndel sys.stdout\nsys.stdin = None",
                "print(int(input()) * 2)", Map.of("input", "4", "output", "8")));
        assertFalse(attackThenVictimPasses("import random\nrandom.seed(7)\nimport heapq\nh = [3, 1]\nheapq.heapify(h)",
                "import heapq\ndef smallest(xs):\n    return heapq.nsmallest(1, xs)[0]", "assert smallest([5, 2, 9]) == 2"));
    }

    @Test
    void ordinaryProgramsKeepTheirContext() {
        long before = SandboxedContext.replacedAfterProgram();
        for (int i = 0; i < 5; i++) {
            JsonNode result = run("""
                    import math, itertools
                    from collections import defaultdict
                    def f(xs):
                        d = defaultdict(int)
                        for a, b in itertools.combinations(xs, 2):
                            d[a + b] += 1
                        return max(d, key=d.get) if d else int(math.sqrt(16))
                    if __name__ == "__main__":
                        print(f([1, 2, 3]))
                    """, "assert f([1, 2, 3, 4]) == 5", "assert f([]) == 4");
            assertEquals(1.0, result.get("score").asDouble(), result.toString());
        }
        assertEquals(before, SandboxedContext.replacedAfterProgram(), "an ordinary program replaced its context");
    }

    @Test
    void theReachOfAProgramIsReadFromItsText() {
        ProgramReach plain = ProgramReach.of(List.of("import math\nx = math.sqrt(2)  # fine", "assert x > 1"));
        assertTrue(plain.names().containsAll(List.of("math", "sqrt", "x")));
        assertFalse(plain.escapes());
        assertFalse(plain.checkAll());
        assertTrue(ProgramReach.of(List.of("f = 'get' + 'attr'", "x = getattr")).escapes());
        assertTrue(ProgramReach.of(List.of("y = '{0.__globals__}'")).escapes(), "names in string literals count");
        assertTrue(ProgramReach.of(List.of("print(type(x))")).checkAll());
        assertTrue(ProgramReach.of(List.of("\uff45\uff56\uff41\uff4c('1')")).escapes(), "NFKC: full-width eval is eval");
    }
}
