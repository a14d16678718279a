package io.autodidact.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.loop.Problem;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The generated built-in tasks (multiplication, expressions, sorting) and what every built-in task shares. */
class BuiltInTasksTest {

    private static BuiltInTask task(String name) {
        return Tasks.named(name, Map.of());
    }

    private static Score score(BuiltInTask task, Problem problem, String completion) {
        return task.verifier().score(List.of(new Sample(problem, completion))).getFirst();
    }

    private static Problem labelled(String answer) {
        return Problem.of("p", "prompt", answer, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"multiplication", "expressions", "sorting"})
    void sameSeedGivesSameProblemsAndOtherSeedsOthers(String name) {
        BuiltInTask t = task(name);
        List<Problem> a = t.problems(200, 1, t.maxDifficulty(), 7);
        assertEquals(a, task(name).problems(200, 1, t.maxDifficulty(), 7));
        assertNotEquals(a.stream().map(Problem::prompt).toList(),
                t.problems(200, 1, t.maxDifficulty(), 8).stream().map(Problem::prompt).toList());
        assertEquals(t.seedExamples(100, 3), task(name).seedExamples(100, 3));
        for (Problem p : a) {
            double d = p.difficulty().orElseThrow();
            assertTrue(d >= 1 && d <= t.maxDifficulty(), p.toString());
            assertTrue(t.categories().contains(p.category().orElseThrow()), p.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"multiplication", "expressions", "sorting"})
    void trainingProblemsAndSeedExamplesNeverMeetTheHeldOutSets(String name) {
        BuiltInTask t = task(name);
        Set<String> heldOut = new HashSet<>();
        List<EvalSet> sets = t.evalSets(300);
        assertEquals(t.maxDifficulty(), sets.size());
        for (EvalSet s : sets) for (Problem p : s.problems()) heldOut.add(p.prompt());
        for (Problem p : t.problems(20_000, 1, t.maxDifficulty(), 11))
            assertFalse(heldOut.contains(p.prompt()), "training problem " + p.prompt() + " is held out");
        for (SeedExample e : t.seedExamples(5_000, 11))
            assertFalse(heldOut.contains(e.prompt()), "seed example " + e.prompt() + " is held out");
    }

    @ParameterizedTest
    @ValueSource(strings = {"multiplication", "expressions", "sorting"})
    void evalSetsAreTheSameInEveryRunWithOneDifficultyEach(String name) {
        BuiltInTask t = task(name);
        List<EvalSet> sets = t.evalSets(50);
        assertEquals(sets, task(name).evalSets(50));
        for (int d = 1; d <= sets.size(); d++) {
            EvalSet s = sets.get(d - 1);
            assertEquals(50, s.problems().size());
            assertEquals(String.valueOf(d), s.name().replaceAll("\\D", ""), "TaskWorkload reads the difficulty from the name");
            for (Problem p : s.problems()) assertEquals(d, p.difficulty().orElseThrow());
            // Distinct while the pool lasts: at least the easiest sets repeat, the harder ones must not.
            if (d >= 3) assertEquals(50, s.problems().stream().map(Problem::prompt).distinct().count(), s.name());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"multiplication", "expressions", "sorting"})
    void workedCompletionsVerifyAtEveryDifficultyAndCorruptedAnswersDoNot(String name) {
        GeneratedTask t = (GeneratedTask) task(name);
        for (int d = 1; d <= t.maxDifficulty(); d++) {
            for (long seed = 0; seed < 40; seed++) {
                GeneratedTask.Instance i = t.example(seed, d);
                Problem p = labelled(i.answer());
                Score s = score(t, p, i.completion());
                assertTrue(s.correct(), name + " " + i + ": " + s);
                assertEquals(Optional.of(i.answer()), t.answerOf(i.completion()));
                int marker = i.completion().lastIndexOf('>');
                char last = i.completion().charAt(i.completion().length() - 1);
                String flipped = i.completion().substring(0, i.completion().length() - 1) + (char) ('0' + (last - '0' + 1) % 10);
                if (!name.equals("expressions") && i.completion().length() - marker > 2)
                    // A reversed answer's last char is its leading digit: a zero there changes nothing, so flip another.
                    flipped = i.completion().substring(0, marker + 1) + (char) ('0' + (i.completion().charAt(marker + 1) - '0' + 1) % 10)
                            + i.completion().substring(marker + 2);
                assertFalse(score(t, p, flipped).correct(), name + " accepted corrupted " + flipped);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"multiplication", "expressions", "sorting"})
    void theLargestDefaultProblemFitsTheDemoModelsContext(String name) {
        BuiltInTask t = task(name);
        int longest = 0;
        for (SeedExample e : t.seedExamples(3000, 5)) longest = Math.max(longest, e.prompt().length() + e.completion().length());
        GeneratedTask g = (GeneratedTask) t;
        for (long seed = 0; seed < 200; seed++) {
            GeneratedTask.Instance i = g.example(seed, t.maxDifficulty());
            longest = Math.max(longest, i.prompt().length() + i.completion().length());
            for (char c : (i.prompt() + i.completion()).toCharArray())
                assertTrue(t.alphabet().indexOf(c) >= 0, "'" + c + "' not in the alphabet of " + name);
        }
        assertTrue(longest + 1 <= 64, name + ": " + longest + " characters and the end token exceed context 64");
    }

    @Test
    void additionsSlippedCarryIsAWholeWrongSolutionOffByAPowerOfTen() {
        AdditionTask task = new AdditionTask(6);
        var mistakes = task.mistakes().orElseThrow();
        var random = new java.util.SplittableRandom(7);
        Set<Long> offsets = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            long a = random.nextLong(1_000_000), b = random.nextLong(1_000_000);
            String wrong = mistakes.mistaken(new io.autodidact.loop.Demonstration(task.prompt(a, b), task.solve(a, b)), random).orElseThrow();
            long stated = Long.parseLong(task.answerOf(wrong).orElseThrow());
            long off = Math.abs(stated - (a + b));
            assertTrue(off >= 10 && off <= 1_000_000 && Long.toString(off).matches("10+"), a + "+" + b + " stated " + stated + ":\n" + wrong);
            offsets.add(off);
            String[] lines = wrong.split("\n");
            for (int k = 0; k < 6; k++) {
                int ai = lines[k].charAt(0) - '0', bi = lines[k].charAt(1) - '0';
                assertEquals(a / (long) Math.pow(10, k) % 10, ai, "the operands are copied right: " + wrong);
                assertEquals(b / (long) Math.pow(10, k) % 10, bi, "the operands are copied right: " + wrong);
            }
        }
        assertEquals(6, offsets.size(), "the slip lands on every position: " + offsets);
        assertTrue(mistakes.mistaken(new io.autodidact.loop.Demonstration("1+1=", "2"), random).isEmpty(), "not this task's scratchpad");
    }

    @Test
    void multiplicationWritesOneCarryLinePerDigitAndTheReversedProduct() {
        MultiplicationTask t = new MultiplicationTask(4, MultiplicationTask.defaultSeedMix(4));
        GeneratedTask.Instance i = t.instance(123, 7);
        assertEquals("3210*7=", i.prompt());
        assertEquals("3021\n2216\n1108\n0000\n>16800", i.completion());
        assertEquals("861", i.answer());
        assertEquals("x7", i.category());
        for (Problem p : t.problems(500, 1, 4, 1)) {
            long a = Long.parseLong(new StringBuilder(p.prompt().substring(0, 4)).reverse().toString());
            long m = p.prompt().charAt(5) - '0';
            assertEquals(String.valueOf(a * m), p.answer().orElseThrow());
            assertEquals(String.valueOf(a).length(), (int) p.difficulty().orElseThrow());
        }
    }

    @Test
    void expressionsReduceTheInnermostBracketFirstAndAgreeWithAnIndependentEvaluator() {
        ExpressionsTask t = new ExpressionsTask(6, ExpressionsTask.defaultSeedMix(6));
        Set<String> categories = new HashSet<>();
        for (Problem p : t.problems(3000, 1, 6, 2)) {
            String expr = p.prompt().substring(0, p.prompt().length() - 1);
            assertEquals(String.valueOf(new Mod10(expr).value()), p.answer().orElseThrow(), expr);
            int depth = 0, deepest = 0;
            for (char c : expr.toCharArray()) {
                if (c == '(') deepest = Math.max(deepest, ++depth);
                if (c == ')') depth--;
            }
            assertEquals(deepest + 1, (int) p.difficulty().orElseThrow(), expr);
            String ops = switch (p.category().orElseThrow()) {
                case "add" -> "+";
                case "add-sub" -> "+-";
                case "add-mul" -> "+*";
                default -> "+-*";
            };
            for (char c : expr.toCharArray()) if ("+-*".indexOf(c) >= 0) assertTrue(ops.indexOf(c) >= 0, expr + " in " + p.category());
            categories.add(p.category().orElseThrow());
        }
        assertEquals(Set.copyOf(t.categories()), categories);
        GeneratedTask.Instance i = t.example(4, 3);
        String[] lines = i.completion().split("\n");
        assertEquals(4, lines.length, i.completion());
        assertTrue(lines[0].matches("\\d[-+*]\\d=\\d") && lines[3].equals(">" + i.answer()), i.completion());
    }

    @Test
    void sortingCountsEachDigitThenWritesThemInOrder() {
        SortingTask t = new SortingTask(8, SortingTask.defaultSeedMix(8));
        assertEquals(7, t.maxDifficulty());
        for (Problem p : t.problems(2000, 1, 7, 3)) {
            String digits = p.prompt().substring(0, p.prompt().length() - 1);
            assertEquals(digits.length() - 1, (int) p.difficulty().orElseThrow());
            char[] sorted = digits.toCharArray();
            java.util.Arrays.sort(sorted);
            assertEquals(new String(sorted), p.answer().orElseThrow());
            if (p.category().orElseThrow().equals("distinct")) assertEquals(digits.length(), digits.chars().distinct().count(), digits);
        }
        GeneratedTask.Instance i = t.example(1, 4);
        int[] counts = new int[10];
        for (char c : i.prompt().substring(0, 5).toCharArray()) counts[c - '0']++;
        StringBuilder line = new StringBuilder();
        for (int c : counts) line.append(c);
        assertEquals(line + "\n>" + i.answer(), i.completion());
    }

    @Test
    void answersAreNormalizedSoThatVotesCompareEqual() {
        assertEquals(Optional.of("120"), task("multiplication").answerOf("1234\n>0210000"));
        assertEquals(Optional.of("0"), task("multiplication").answerOf(">0000"));
        assertEquals(Optional.of("120"), task("addition").answerOf("junk>021\n>0210"), "the last marker counts");
        assertEquals(Optional.of("7"), task("expressions").answerOf("3+4=7\n>07"));
        assertEquals(Optional.of("0012"), task("sorting").answerOf("2110000000\n>0012"), "a sorted list keeps its zeros");
        for (String name : Tasks.NAMES) {
            assertEquals(Optional.empty(), task(name).answerOf("no marker 123"), name);
            assertEquals(Optional.empty(), task(name).answerOf("12>"), name);
        }
        assertFalse(score(task("expressions"), labelled("7"), "3+4=7\n").correct(), "no final answer, no credit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"addition", "multiplication", "expressions", "sorting"})
    void withoutLabelsTrainingProblemsHaveNoAnswersWhileEvalSetsKeepThem(String name) {
        BuiltInTask open = task(name);
        BuiltInTask blind = Tasks.named(name, Map.of("labels", false));
        List<Problem> withAnswers = open.problems(50, 1, open.maxDifficulty(), 9);
        List<Problem> without = blind.problems(50, 1, open.maxDifficulty(), 9);
        for (int n = 0; n < without.size(); n++) {
            Problem p = without.get(n), q = withAnswers.get(n);
            assertEquals(Optional.empty(), p.answer());
            assertEquals(q.prompt(), p.prompt());
            assertEquals(q.category(), p.category());
        }
        assertEquals(open.evalSets(20), blind.evalSets(20));
        assertEquals(open.seedExamples(20, 1), blind.seedExamples(20, 1));
        SeedExample e = open.seedExamples(1, 4).getFirst();
        Problem unlabelled = without.getFirst();
        Problem evalProblem = blind.evalSets(5).getLast().problems().getFirst();
        List<Score> scores = blind.verifier().score(List.of(new Sample(unlabelled, e.completion()),
                new Sample(evalProblem, ">" + "9".repeat(3))));
        assertTrue(scores.get(0).failed() && scores.get(0).error().contains("labels: false"), scores.get(0).toString());
        assertFalse(scores.get(1).failed(), "eval problems keep their answers and are verified");
        // A pseudo-label makes a problem verifiable again: what a label-free recipe does with its majority vote.
        Problem pseudo = new Problem(unlabelled.id(), unlabelled.prompt(), blind.answerOf(e.completion()), Optional.empty(),
                OptionalDouble.empty(), Map.of());
        assertTrue(blind.verifier().score(List.of(new Sample(pseudo, e.completion()))).getFirst().correct());
    }

    @Test
    void badOptionsAreRefusedNamingTheOptionAndTheFix() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> Tasks.named("sorting", Map.of("width", 3)));
        assertTrue(unknown.getMessage().contains("\"width\"") && unknown.getMessage().contains("max_length, seed_easy_max"), unknown.getMessage());
        var labels = assertThrows(IllegalArgumentException.class, () -> Tasks.named("expressions", Map.of("labels", "no")));
        assertTrue(labels.getMessage().contains("\"labels\"") && labels.getMessage().contains("true or false"), labels.getMessage());
        var depth = assertThrows(IllegalArgumentException.class, () -> Tasks.named("expressions", Map.of("max_depth", 0)));
        assertTrue(depth.getMessage().contains("max_depth") && depth.getMessage().contains("1..12"), depth.getMessage());
        var width = assertThrows(IllegalArgumentException.class, () -> Tasks.named("multiplication", Map.of("width", 2.5)));
        assertTrue(width.getMessage().contains("whole number"), width.getMessage());
        var mix = assertThrows(IllegalArgumentException.class, () -> Tasks.named("multiplication", Map.of("width", 4, "seed_hard_max", 6)));
        assertTrue(mix.getMessage().contains("seed_hard_max") && mix.getMessage().contains("1..4"), mix.getMessage());
        var fraction = assertThrows(IllegalArgumentException.class, () -> Tasks.named("sorting", Map.of("seed_hard_fraction", 1.5)));
        assertTrue(fraction.getMessage().contains("seed_hard_fraction"), fraction.getMessage());
        var name = assertThrows(IllegalArgumentException.class, () -> Tasks.named("division", Map.of()));
        assertTrue(name.getMessage().contains("addition, multiplication, expressions, sorting"), name.getMessage());
        assertEquals(4, ((GeneratedTask) Tasks.named("multiplication", Map.of("width", 4))).seedMix().hardMax(),
                "the hard range follows the width when not given");
    }

    @Test
    void seedMixesAreMostlyEasyWithTheConfiguredShareOfHardOnes() {
        DifficultyMix mix = new DifficultyMix(0.1, 2, 4, 6);
        int[] ds = mix.draw(1000, new SplitMix64(5));
        int hard = 0;
        Map<Integer, Integer> histogram = new HashMap<>();
        for (int d : ds) {
            histogram.merge(d, 1, Integer::sum);
            if (d >= 4) hard++;
        }
        assertEquals(100, hard);
        assertEquals(Set.of(1, 2, 4, 5, 6), histogram.keySet());
    }

    /** A recursive-descent evaluator of the task's expressions mod 10, independent of the generator. */
    private static final class Mod10 {
        private final String s;
        private int at;

        Mod10(String s) {
            this.s = s;
        }

        int value() {
            int v = expr();
            assertEquals(s.length(), at, "trailing input in " + s);
            return v;
        }

        // The generator brackets every inner operation, so one operator per level and no precedence is needed.
        private int expr() {
            int left = operand();
            if (at == s.length() || s.charAt(at) == ')') return left;
            char op = s.charAt(at++);
            int right = operand();
            return switch (op) {
                case '+' -> (left + right) % 10;
                case '-' -> Math.floorMod(left - right, 10);
                case '*' -> left * right % 10;
                default -> throw new AssertionError("operator " + op + " in " + s);
            };
        }

        private int operand() {
            if (s.charAt(at) == '(') {
                at++;
                int v = expr();
                assertEquals(')', s.charAt(at++));
                return v;
            }
            return s.charAt(at++) - '0';
        }
    }
}
