package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.Problem;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The majority vote, its threshold and ties, the updates it drives, and that no reference answer is ever read. */
class SelfConsistencyTest {
    static List<Optional<String>> answers(String... a) {
        return java.util.Arrays.stream(a).map(x -> x == null ? Optional.<String>empty() : Optional.of(x)).toList();
    }

    @Test
    void theMajorityAnswerIsTheLabelWhenItsShareOfAllKSamplesReachesTheThreshold() {
        var v = SelfConsistency.vote(answers("7", "7", "3", null), 0.5, false);
        assertEquals(Optional.of("7"), v.label());
        assertEquals(0.5, v.share(), 1e-12, "a sample with no answer still counts in K");
        assertEquals(Optional.empty(), SelfConsistency.vote(answers("7", "7", "3", null), 0.6, false).label(), "below the threshold");
        assertEquals(Optional.empty(), SelfConsistency.vote(answers(null, null), 0.0, false).label(), "no answers, no label");
    }

    @Test
    void aTieForTheMostVotesGivesNoLabelUnlessTheFirstSeenIsAsked() {
        var tie = answers("3", "7", "7", "3", "1");
        assertEquals(Optional.empty(), SelfConsistency.vote(tie, 0.0, false).label());
        assertEquals(0.4, SelfConsistency.vote(tie, 0.0, false).share(), 1e-12);
        assertEquals(Optional.of("3"), SelfConsistency.vote(tie, 0.0, true).label(), "TTRL: the first answer seen among the tied");
        assertEquals(Optional.of("7"), SelfConsistency.vote(answers("3", "7", "7"), 0.0, false).label(), "a later, larger count wins");
    }

    static Problem problem(String id, Optional<String> answer) {
        return new Problem(id, id + "?", answer, Optional.empty(), OptionalDouble.of(1), Map.of());
    }

    @Test
    void theVoteNeverReadsTheProblemsAnswers() {
        Reward vote = new SelfConsistency(Map.of("extractor", "after:>")).ownReward(Optional.empty()).orElseThrow();
        String[] texts = {"s>12", "t>12", "u>13", "no answer", "v>5", "w>5"};
        String[] ids = {"p", "p", "p", "p", "q", "q"};
        List<List<Score>> results = new ArrayList<>();
        for (Optional<String> answer : List.of(Optional.<String>empty(), Optional.of("12"), Optional.of("wrong"))) {
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < texts.length; i++) samples.add(new Sample(problem(ids[i], answer), texts[i]));
            results.add(vote.score(samples));
        }
        assertEquals(results.get(0), results.get(1), "the scores do not change when the problems carry their answers");
        assertEquals(results.get(0), results.get(2), "nor when they carry wrong ones");
        List<Score> s = results.get(0);
        assertEquals(List.of(true, true, false, false, true, true), s.stream().map(Score::correct).toList());
        assertEquals(0.5, s.get(0).reward(), 1e-12, "the stored reward is the vote share of the sample's own answer");
        assertEquals(0.25, s.get(2).reward(), 1e-12);
        assertEquals(0.0, s.get(3).reward(), 1e-12);
    }

    static Rollout rollout(String problem, int sample, String text, double share, boolean agrees) {
        return new Rollout(1, problem, sample, new int[] {1}, new int[] {2}, new float[] {-1f}, text, "eos", 1.0, share, agrees, false, 0, "");
    }

    @Test
    void theStarUpdateKeepsAgreeingSamplesAndTheGrpoUpdateGetsTheZeroOneReward() {
        List<Rollout> rs = List.of(rollout("p", 0, "a>1", 0.5, true), rollout("p", 1, "b>1", 0.5, true), rollout("p", 2, "c>2", 0.5, false),
                rollout("p", 3, "d>2", 0.5, false));
        List<Rollout> star = new SelfConsistency(Map.of("extractor", "after:>", "max_per_problem", 2)).select(1, rs);
        assertEquals(List.of(true, true, false, false), star.stream().map(Rollout::selected).toList());
        assertEquals(0.5, star.get(0).reward(), "the stored reward stays the vote share");

        Recipe grpo = new SelfConsistency(Map.of("extractor", "after:>", "update", "grpo", "samples", 4));
        List<Rollout> out = grpo.select(1, rs);
        double std = Math.sqrt(4 * 0.25 / 3);
        assertEquals(0.5 / (std + 1e-6), out.get(0).advantage(), 1e-9, "advantages of the 0/1 agreement, not of the equal vote shares");
        assertEquals(-0.5 / (std + 1e-6), out.get(2).advantage(), 1e-9);
        assertEquals(0.5, grpo.monitors(1, out).get("vote_share"), 1e-12);
        assertTrue(grpo.trainPlan(1).objective().needsOldLogprobs(), "the GRPO update trains with the policy gradient");
    }

    @Test
    void optionsAreValidatedAndTheTasksExtractorIsRequiredWhenAskedFor() {
        var e = assertThrows(IllegalArgumentException.class, () -> new SelfConsistency(Map.of()).ownReward(Optional.empty()));
        assertTrue(e.getMessage().contains("recipe.extractor"), e.getMessage());
        assertTrue(new SelfConsistency(Map.of()).ownReward(Optional.of(c -> Optional.of(c))).isPresent());
        e = assertThrows(IllegalArgumentException.class, () -> new SelfConsistency(Map.of("update", "ppo")));
        assertTrue(e.getMessage().contains("recipe.update"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SelfConsistency(Map.of("extractor", "regex:(a)(b)")));
        assertTrue(e.getMessage().contains("recipe.extractor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SelfConsistency(Map.of("eps_low", 0.1)), "a GRPO option under the STaR update");
        assertTrue(e.getMessage().contains("recipe.eps_low"), e.getMessage());
        var resolved = new SelfConsistency(Map.of("update", "grpo", "lr", 0.01)).options();
        assertEquals(0.01, resolved.get("lr"));
        assertEquals(resolved, new SelfConsistency(resolved).options(), "the resolved options read back as themselves (resume)");
    }
}
