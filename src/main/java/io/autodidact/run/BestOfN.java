package io.autodidact.run;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.Problem;
import io.autodidact.recipe.CertaintyVoting;
import io.autodidact.reward.AnswerExtractor;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SequencedMap;
import java.util.SplittableRandom;

/**
 * Best-of-N as an inference mode, on held-out sets: N samples per problem, then one answer by a random pick, the most
 * self-certain sample, certainty-weighted Borda voting ({@link CertaintyVoting}) or majority voting, each scored by the
 * task's verifier, beside the oracle pass@N (any sample correct). Answers for voting come from {@code answers}; the
 * verifier is used only to score the chosen sample.
 */
public final class BestOfN {
    private BestOfN() {}

    /** Accuracy of each way of choosing, on one set of {@code problems} problems. */
    public record Row(String set, int problems, double random, double mostCertain, double borda, double majority, double oracle) {}

    /**
     * @param power Borda exponent p (0.5 by default in Kang et al.)
     * @param seed sampling and random-pick seed; fixed so two checkpoints are compared on the same dice
     */
    public static List<Row> evaluate(PolicyEngine engine, SequencedMap<String, List<Problem>> sets, Reward reward, AnswerExtractor answers,
            int n, double temperature, int maxNewTokens, double power, long seed) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        List<Row> rows = new ArrayList<>();
        int set = 0;
        for (Map.Entry<String, List<Problem>> e : sets.entrySet()) {
            List<Problem> problems = e.getValue();
            if (problems.isEmpty()) continue;
            List<int[]> prompts = new ArrayList<>();
            for (Problem p : problems) prompts.add(engine.tokenizer().encode(p.prompt()));
            long setSeed = LoopRunner.mix(seed, -2, set++);
            List<Generation> gens = engine.generate(prompts, SamplingParams.sample(n, temperature, maxNewTokens, setSeed));
            List<int[]> genPrompts = new ArrayList<>(gens.size()), completions = new ArrayList<>(gens.size());
            List<Sample> samples = new ArrayList<>(gens.size());
            for (Generation g : gens) {
                genPrompts.add(prompts.get(g.promptIndex()));
                completions.add(g.tokens());
                samples.add(new Sample(problems.get(g.promptIndex()), g.text()));
            }
            double[] certainty = engine.selfCertainty(genPrompts, completions);
            List<Score> scores = reward.score(samples);
            SplittableRandom random = new SplittableRandom(setSeed);
            double[] hits = new double[5];
            for (int p = 0; p < problems.size(); p++) {
                double[] c = new double[n];
                boolean[] ok = new boolean[n];
                List<Optional<String>> answer = new ArrayList<>(n);
                boolean any = false;
                for (int s = 0; s < n; s++) {
                    int i = p * n + s; // generate returns prompt-major, sample-minor
                    c[s] = certainty[i];
                    ok[s] = scores.get(i).correct();
                    answer.add(answers.extract(gens.get(i).text()));
                    any |= ok[s];
                }
                hits[0] += ok[random.nextInt(n)] ? 1 : 0;
                hits[1] += ok[CertaintyVoting.mostCertain(c)] ? 1 : 0;
                hits[2] += correct(CertaintyVoting.borda(answer, c, power), ok);
                hits[3] += correct(CertaintyVoting.majority(answer), ok);
                hits[4] += any ? 1 : 0;
            }
            double m = problems.size();
            rows.add(new Row(e.getKey(), problems.size(), hits[0] / m, hits[1] / m, hits[2] / m, hits[3] / m, hits[4] / m));
        }
        return rows;
    }

    private static double correct(OptionalInt chosen, boolean[] ok) {
        return chosen.isPresent() && ok[chosen.getAsInt()] ? 1 : 0;
    }

    /** All sets together, weighted by their problems. */
    public static Row overall(List<Row> rows) {
        double n = 0, r = 0, c = 0, b = 0, m = 0, o = 0;
        for (Row x : rows) {
            n += x.problems();
            r += x.random() * x.problems();
            c += x.mostCertain() * x.problems();
            b += x.borda() * x.problems();
            m += x.majority() * x.problems();
            o += x.oracle() * x.problems();
        }
        return n == 0 ? new Row("all", 0, 0, 0, 0, 0, 0) : new Row("all", (int) n, r / n, c / n, b / n, m / n, o / n);
    }
}
