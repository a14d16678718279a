package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.loop.Demonstration;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.task.AdditionTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SCoRe's math on hand-made pairs: returns, bonus and baseline by stage, per-row KL, transitions, second-attempt prompts. */
class ScoreTest {
    private static final double EPS = 1e-12;

    @Test
    void stageOneTrainsOnlyTheSecondAttemptOnItsOwnRewardCentredPerProblem() {
        double[][] a = Score.advantages(new double[] {1, 0, 0, 1}, new double[] {1, 1, 0, 0}, true, 10);
        assertArrayEquals(new double[] {0, 0, 0, 0}, a[0], EPS, "stage I: the first attempt has return 0 (only the KL holds it)");
        assertArrayEquals(new double[] {0.5, 0.5, -0.5, -0.5}, a[1], EPS, "r(y2) minus the mean of the problem's second attempts");
    }

    @Test
    void stageTwoRewardsBothAttemptsAndAddsTheImprovementBonusToTheSecond() {
        double[][] a = Score.advantages(new double[] {1, 0, 0, 1}, new double[] {1, 1, 0, 0}, false, 10);
        // First: r(y1) = {1, 0, 0, 1}, mean 0.5. Second: r(y2) + 10 (r(y2) - r(y1)) = {1, 11, 0, -10}, mean 0.5.
        assertArrayEquals(new double[] {0.5, -0.5, -0.5, 0.5}, a[0], EPS);
        assertArrayEquals(new double[] {0.5, 10.5, -0.5, -10.5}, a[1], EPS, "i->c earns the bonus, c->i pays it");
        double[][] noBonus = Score.advantages(new double[] {1, 0, 0, 1}, new double[] {1, 1, 0, 0}, false, 0);
        assertArrayEquals(new double[] {0.5, 0.5, -0.5, -0.5}, noBonus[1], EPS, "alpha 0: the second attempt's own reward only");
    }

    @Test
    void selectionPairsAttemptsBySampleIndexAndLogsTransitions() {
        Score score = new Score(Map.of("samples", 2, "stage1_iterations", 1));
        // Problem a: y1 = {correct, wrong}, y2 = {wrong, correct}; problem b: all wrong except second attempt 0.
        List<Rollout> scored = List.of(rollout("a", 0, true), rollout("a", 1, false), rollout("b", 0, false), rollout("b", 1, false),
                rollout("a", 2, false), rollout("a", 3, true), rollout("b", 2, true), rollout("b", 3, false));
        Recipe.Selection one = score.select(1, scored, null);
        assertEquals(8, one.rollouts().size());
        assertTrue(one.rollouts().stream().allMatch(Rollout::selected), "rl trains every attempt (stage I's first ones for the KL)");
        assertEquals(0, one.rollouts().get(0).advantage(), EPS);
        assertEquals(-0.5, one.rollouts().get(4).advantage(), EPS, "a: y2 rewards {0, 1}, mean 0.5");
        assertEquals(0.5, one.rollouts().get(5).advantage(), EPS);
        Map<String, Double> m = one.monitors();
        assertEquals(0.0, m.get("c_to_c"));
        assertEquals(1.0, m.get("c_to_i"));
        assertEquals(2.0, m.get("i_to_c"));
        assertEquals(1.0, m.get("i_to_i"));
        assertEquals(0.25, m.get("accuracy_t1"), EPS);
        assertEquals(0.5, m.get("accuracy_t2"), EPS);
        assertEquals(0.25, m.get("delta"), EPS);
        assertEquals(1.0, m.get("stage"));

        Recipe.Selection two = score.select(2, scored, null);
        assertEquals(2.0, two.monitors().get("stage"));
        // a: y1 {1, 0} -> first advantages {0.5, -0.5}; y2 returns {0 + 10 (0 - 1), 1 + 10 (1 - 0)} = {-10, 11}, mean 0.5.
        assertEquals(0.5, two.rollouts().get(0).advantage(), EPS);
        assertEquals(-10.5, two.rollouts().get(4).advantage(), EPS);
        assertEquals(10.5, two.rollouts().get(5).advantage(), EPS);
    }

    @Test
    void sftModeKeepsOnlyCorrectSecondAttempts() {
        Score sft = new Score(Map.of("samples", 2, "mode", "sft", "train_steps", 5));
        List<Rollout> scored = List.of(rollout("a", 0, true), rollout("a", 1, false), rollout("a", 2, true), rollout("a", 3, false));
        List<Rollout> out = sft.select(1, scored);
        assertFalse(out.get(0).selected(), "first attempts are never trained on");
        assertTrue(out.get(2).selected());
        assertFalse(out.get(3).selected());
        assertFalse(sft.trainPlan(1).objective().needsOldLogprobs(), "sft trains by cross-entropy");
        assertEquals(5, sft.trainPlan(1).steps());
        assertEquals(1f, sft.klWeight(1, scored.get(0)));
    }

    @Test
    void stageOneHoldsTheFirstAttemptToTheReferenceWithBeta2AndTheSecondWithBeta1() {
        Score score = new Score(Map.of("samples", 2, "stage1_iterations", 2, "beta1", 0.01, "beta2", 0.1));
        assertEquals(0.1, score.trainPlan(1).objective().klCoef(), EPS, "stage I's kl_coef is the larger weight");
        assertEquals(1f, score.klWeight(1, rollout("a", 1, false)), "first attempt: beta2 / 0.1");
        assertEquals(0.1f, score.klWeight(2, rollout("a", 2, false)), 1e-7f, "second attempt: beta1 / 0.1");
        assertEquals(0.01, score.trainPlan(3).objective().klCoef(), EPS, "stage II: beta1 on both");
        assertEquals(1f, score.klWeight(3, rollout("a", 0, false)));
        assertEquals(1f, score.klWeight(3, rollout("a", 3, false)));
    }

    @Test
    void transitionsCountPairsAndAccuracies() {
        Transitions t = Transitions.of(new boolean[] {true, true, false, false, false}, new boolean[] {true, false, true, true, false});
        assertEquals(new Transitions(1, 1, 2, 1), t);
        assertEquals(0.4, t.accuracyFirst(), EPS);
        assertEquals(0.6, t.accuracySecond(), EPS);
        assertEquals(0.2, t.delta(), EPS);
        assertEquals(new Transitions(2, 1, 2, 1), t.plus(true, true));
        assertThrows(IllegalArgumentException.class, () -> Transitions.of(new boolean[1], new boolean[2]));
    }

    @Test
    void secondAttemptPromptIsPromptThenFirstAttemptWithoutEosThenCue() {
        CharTokenizer tok = new CharTokenizer(AdditionTask.ALPHABET);
        int[] x = tok.encode("12+3="), y1 = append(tok.encode("1230\n>51"), tok.eosId()), cue = SecondAttempts.cueTokens("\n=", tok);
        int[] p = SecondAttempts.prompt(x, y1, cue, Set.of(tok.eosId()));
        assertEquals("12+3=1230\n>51\n=", tok.decode(p));
        assertArrayEquals(tok.encode("12+3=1230\n>51\n="), p, "no end-of-sequence token inside the context");
        int[] truncated = SecondAttempts.prompt(x, tok.encode("12"), cue, Set.of(tok.eosId()));
        assertEquals("12+3=12\n=", tok.decode(truncated), "a first attempt cut by the length limit is kept whole");
        var e = assertThrows(IllegalArgumentException.class, () -> SecondAttempts.cueTokens("\nReview the answer.\n", tok));
        assertTrue(e.getMessage().startsWith("recipe.cue"), e.getMessage());
    }

    @Test
    void reviewDemonstrationsTeachTheFormatByKeepingACorrectAnswer() {
        List<Demonstration> d = new Score(Map.of()).demonstrations(List.of(new Demonstration("12+3=", "1230\n>51")), Optional.empty());
        assertEquals(List.of(new Demonstration("12+3=1230\n>51\n=", "1230\n>51")), d);
        assertEquals(List.of(), new Score(Map.of("review_demonstrations", false)).demonstrations(List.of(new Demonstration("1+1=", "2")), Optional.empty()));
        List<Demonstration> task = new ArrayList<>();
        for (int i = 0; i < 1000; i++) task.add(new Demonstration("12+3=", "1230\n>51"));
        List<Demonstration> mixed = new Score(Map.of("review_corrections", 0.2)).demonstrations(task, Optional.empty());
        long corrected = mixed.stream().filter(r -> !r.prompt().equals("12+3=1230\n>51\n=")).count();
        assertTrue(corrected > 150 && corrected < 250, "about a fifth have a wrong first attempt: " + corrected);
        for (Demonstration r : mixed) {
            assertEquals("1230\n>51", r.completion(), "the second attempt is always the right one");
            assertTrue(r.prompt().matches("12\\+3=1230\n>5\\d\n="), r.prompt());
        }
        assertEquals(mixed, new Score(Map.of("review_corrections", 0.2)).demonstrations(task, Optional.empty()), "a fixed choice");
    }

    @Test
    void reviewErrorTaskShowsTheTasksOwnMistakeAndNeedsATaskThatMakesThem() {
        AdditionTask addition = new AdditionTask(2);
        Demonstration d = new Demonstration(addition.prompt(58, 7), addition.solve(58, 7));
        List<Demonstration> task = java.util.Collections.nCopies(200, d);
        List<Demonstration> out = new Score(Map.of("review_corrections", 0.5, "review_error", "task")).demonstrations(task, addition.mistakes());
        long wrong = 0;
        for (Demonstration r : out) {
            assertEquals(d.completion(), r.completion(), "the second attempt is the right solution");
            String first = r.prompt().substring(d.prompt().length(), r.prompt().length() - Score.DEFAULT_CUE.length());
            if (first.equals(d.completion())) continue;
            wrong++;
            // 58 + 7 with the carry out of the ones dropped (55), or one written out of the tens (165).
            assertTrue(Set.of("8750\n5050\n>550", "8751\n5061\n>561").contains(first), "a slipped carry, carried through: " + first);
        }
        assertTrue(wrong > 70 && wrong < 130, "about half: " + wrong);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Score(Map.of("review_corrections", 0.2, "review_error", "task")).demonstrations(task, Optional.empty()));
        assertTrue(e.getMessage().contains("recipe.review_error"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Score(Map.of("review_error", "first_digit")));
        assertTrue(e.getMessage().contains("recipe.review_error") && e.getMessage().contains("last_digit or task"), e.getMessage());
    }

    @Test
    void lastDigitChangesToAnotherDigit() {
        var random = new java.util.SplittableRandom(1);
        for (int i = 0; i < 50; i++) {
            String s = Score.withLastDigitChanged("0000\n>82", random);
            assertTrue(s.startsWith("0000\n>8") && s.length() == 8 && s.charAt(7) != '2' && Character.isDigit(s.charAt(7)), s);
        }
        assertEquals("abc", Score.withLastDigitChanged("abc", random));
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Score(Map.of("mode", "dpo")));
        assertTrue(e.getMessage().contains("recipe.mode"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Score(Map.of("samples", 1)));
        assertTrue(e.getMessage().contains("recipe.samples"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Score(Map.of("cue", "")));
        assertTrue(e.getMessage().contains("recipe.cue"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Score(Map.of("demonstration_mix", 0.5)));
        assertTrue(e.getMessage().contains("recipe.demonstration_mix"), e.getMessage());
        assertEquals(0.5, new Score(Map.of("mode", "sft", "demonstration_mix", 0.5)).trainPlan(1).demonstrationMix());
        e = assertThrows(IllegalArgumentException.class, () -> new Score(Map.of("beta3", 0.1)));
        assertTrue(e.getMessage().contains("beta3"), e.getMessage());
        assertEquals(Score.NAME, Recipes.named("score", Map.of()).name());
    }

    @Test
    void rolloutsThatAreNotPairsAreRefused() {
        Score score = new Score(Map.of("samples", 2));
        var e = assertThrows(IllegalStateException.class, () -> score.select(1, List.of(rollout("a", 0, true), rollout("a", 1, true), rollout("a", 2, true))));
        assertTrue(e.getMessage().contains("problem a"), e.getMessage());
    }

    private static Rollout rollout(String problem, int index, boolean correct) {
        return new Rollout(1, problem, index, new int[] {2}, new int[] {3}, new float[] {-0.1f}, "t", "eos", 1.0, correct ? 1 : 0, correct,
                false, 0, "");
    }

    private static int[] append(int[] a, int v) {
        List<Integer> l = new ArrayList<>();
        for (int x : a) l.add(x);
        l.add(v);
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
