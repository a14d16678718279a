package io.autodidact.curriculum;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.Curriculum;
import io.autodidact.loop.CurriculumSpec;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.RunSpecReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** SEC's Q updates and sampling probabilities, the pass-rate band, and the config section, on hand-made histories. */
class CurriculaTest {
    static Problem problem(String id, int difficulty) {
        return new Problem(id, id + "?", Optional.of("1"), Optional.of("t"), OptionalDouble.of(difficulty), Map.of());
    }

    static Rollout rollout(int it, String problem, int sample, double reward) {
        return new Rollout(it, problem, sample, new int[] {1}, new int[] {2}, new float[] {-1f}, "x", "eos", 1, reward, reward >= 1, false, 0, "");
    }

    record History(Map<Integer, List<Problem>> problems, Map<Integer, List<Rollout>> rollouts) implements Curriculum.History {
        public List<Problem> problems(int iteration) {
            return problems.get(iteration);
        }

        public List<Rollout> rollouts(int iteration) {
            return rollouts.get(iteration);
        }
    }

    @Test
    void secUpdatesEveryArmByTdWithTheMeanAbsoluteAdvantageAsReward() {
        Map<String, Double> q = SelfEvolvingCurriculum.update(Map.of("1", 0.4, "2", 0.2), Map.of("2", 1.0, "3", 0.5), 0.5);
        assertEquals(0.2, q.get("1"), 1e-12, "an arm not sampled decays toward 0");
        assertEquals(0.6, q.get("2"), 1e-12);
        assertEquals(0.25, q.get("3"), 1e-12, "a new arm starts from 0");

        // Iteration 1: difficulty 1 always solved (|A| = 0), difficulty 2 half solved (GRPO |A| = 0.5 / std each).
        var history = new History(Map.of(1, List.of(problem("a", 1), problem("b", 2))), Map.of(1, List.of(
                rollout(1, "a", 0, 1), rollout(1, "a", 1, 1), rollout(1, "b", 0, 1), rollout(1, "b", 1, 0))));
        var sec = new SelfEvolvingCurriculum(new CurriculumSpec.Sec(0.5, 1.0, CurriculumSpec.Arms.AUTO, "grpo", 4));
        Map<String, Double> state = sec.state(2, Map.of("q_1", 0.2), history);
        double absA = 0.5 / (Math.sqrt(0.5) + 1e-6);
        assertEquals(0.5 * 0 + 0.5 * 0.2, state.get("q_1"), 1e-9);
        assertEquals(0.5 * absA, state.get("q_2"), 1e-9);
        assertEquals(Map.of(), sec.state(1, Map.of(), history), "Q starts empty (0 for every arm)");
    }

    @Test
    void secSamplesArmsBySoftmaxOfQOverTemperature() {
        double[] p = SelfEvolvingCurriculum.probabilities(List.of("1", "2", "3"), Map.of("1", 1.0, "2", 0.0), 0.5);
        double z = Math.exp(2) + 1 + 1;
        assertArrayEquals(new double[] {Math.exp(2) / z, 1 / z, 1 / z}, p, 1e-12);

        var sec = new SelfEvolvingCurriculum(new CurriculumSpec.Sec(0.5, 0.5, CurriculumSpec.Arms.DIFFICULTY, "grpo", 4));
        List<Problem> candidates = new ArrayList<>();
        for (int i = 0; i < 3000; i++) candidates.add(problem("p" + i, 1 + i % 3));
        Map<String, Integer> counts = new HashMap<>();
        for (Problem x : sec.choose(2, candidates, 1000, Map.of("q_1", 1.0, "q_2", 0.0), null, 42))
            counts.merge(String.valueOf((long) x.difficulty().getAsDouble()), 1, Integer::sum);
        assertEquals(1000 * Math.exp(2) / z, counts.get("1"), 50, "arm 1 drawn in proportion to its softmax probability");
        assertEquals(1000 / z, counts.get("3"), 40);
        assertEquals(sec.choose(2, candidates, 50, Map.of("q_1", 1.0), null, 42), sec.choose(2, candidates, 50, Map.of("q_1", 1.0), null, 42),
                "the same seed and state choose the same problems (resume)");
    }

    @Test
    void bandKeepsProblemsWhoseRecentPassRateLiesInsideAndFallsBackToTheGroupRate() {
        var band = new PassRateBand(new CurriculumSpec.Band(0.2, 0.8, 2, 4));
        // Iteration 1: "a" (difficulty 1) 2/2 solved, "b" (difficulty 2) 1/2.
        var history = new History(Map.of(1, List.of(problem("a", 1), problem("b", 2))), Map.of(1, List.of(
                rollout(1, "a", 0, 1), rollout(1, "a", 1, 1), rollout(1, "b", 0, 1), rollout(1, "b", 1, 0))));
        List<Problem> candidates = List.of(problem("a", 1), problem("b", 2), problem("c", 1), problem("d", 2), problem("e", 3));
        List<String> kept = band.choose(2, candidates, 10, Map.of(), history, 0).stream().map(Problem::id).toList();
        assertEquals(List.of("b", "d", "e"), kept, "a solved always; c takes difficulty 1's rate (1.0); d difficulty 2's (0.5); e unseen");
        assertEquals(Map.of("pass_1", 1.0, "pass_2", 0.5), band.state(2, Map.of(), history));
        assertEquals(List.of("b", "d"), band.choose(2, candidates, 2, Map.of(), history, 0).stream().map(Problem::id).toList(), "at most count");
        var allSolved = new History(Map.of(1, List.of(problem("a", 1))), Map.of(1, List.of(rollout(1, "a", 0, 1))));
        assertEquals(List.of("a"), band.choose(2, List.of(problem("a", 1)), 1, Map.of(), allSolved, 0).stream().map(Problem::id).toList(),
                "with nothing inside the band the iteration takes the candidates unfiltered");
    }

    static final String TASK = "task: {name: addition}\n";

    @Test
    void theCurriculumSectionIsValidatedAndResolved() {
        var spec = RunSpecReader.parse(TASK + "curriculum: {kind: sec, alpha: 0.3, temperature: 0.4, arms: difficulty}", Path.of("."), List.of(), "t");
        assertEquals(new CurriculumSpec.Sec(0.3, 0.4, CurriculumSpec.Arms.DIFFICULTY, "grpo", 4), spec.curriculum().orElseThrow());
        assertEquals("sec", ((Map<?, ?>) spec.toMap().get("curriculum")).get("kind"));
        assertTrue(RunSpecReader.parse(TASK, Path.of("."), List.of(), "t").curriculum().isEmpty());
        for (String[] bad : new String[][] {
                {"curriculum: {kind: band, alpha: 0.3}", "curriculum.alpha"},
                {"curriculum: {kind: band, low: 0.9, high: 0.1}", "curriculum.high"},
                {"curriculum: {kind: sec, alpha: 0}", "curriculum.alpha"},
                {"curriculum: {kind: sec, arms: type}", "curriculum.arms"},
                {"curriculum: {kind: ladder}", "curriculum.kind"}}) {
            var e = assertThrows(ConfigMap.ConfigException.class, () -> RunSpecReader.parse(TASK + bad[0], Path.of("."), List.of(), "t"), bad[0]);
            assertEquals(bad[1], e.field(), e.getMessage());
        }
    }
}
