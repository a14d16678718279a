package io.autodidact.reproduce;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.Problem;
import io.autodidact.recipe.SecondAttempts;
import io.autodidact.recipe.Transitions;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two-attempt greedy inference on the run's headline eval sets (all sets when none are named), for the base policy and
 * each arm's final checkpoint: y1 greedy from x, then y2 greedy from x + y1 + cue, as SCoRe's evaluation does. Figures per
 * model ({@code base}, then each arm's label): {@code <model>_t1}, {@code _t2}, {@code _delta}, {@code _i_to_c} and
 * {@code _c_to_i} (shares of the problems), and {@code _unchanged}, the share whose second attempt is the first one's text.
 */
record TwoAttemptProbe(String cue) implements Reproduction.Probe {
    static final String NAME = "two-attempts";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Double> measure(Reproduction.ProbeContext c) {
        TaskWorkload workload = TaskWorkload.of(c.baseSpec());
        List<Problem> problems = new ArrayList<>();
        List<String> headline = c.baseSpec().eval().headline();
        workload.evalSets().forEach((name, set) -> {
            if (headline.isEmpty() || headline.contains(name)) problems.addAll(set);
        });
        int maxNew = c.baseSpec().generate().maxNewTokens();
        Map<String, Path> models = new LinkedHashMap<>();
        models.put("base", c.baseCheckpoint());
        c.armDirs().forEach((label, dir) -> models.put(label, RunDirectory.open(dir).checkpoints().latestComplete()
                .orElseThrow(() -> new IllegalStateException("arm " + label + " in " + dir + " has no complete checkpoint"))));
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("problems", (double) problems.size());
        models.forEach((label, checkpoint) -> {
            try (PolicyEngine engine = c.engines().load(checkpoint)) {
                figures(engine, problems, workload.reward(), maxNew).forEach((k, v) -> out.put(label.replace('-', '_') + "_" + k, v));
            }
        });
        return out;
    }

    private Map<String, Double> figures(PolicyEngine engine, List<Problem> problems, Reward reward, int maxNew) {
        List<int[]> prompts = new ArrayList<>(problems.size());
        for (Problem p : problems) prompts.add(engine.tokenizer().encode(p.prompt()));
        List<Generation> first = inOrder(engine.generate(prompts, SamplingParams.greedy(maxNew)));
        List<Generation> second = inOrder(engine.generate(SecondAttempts.prompts(prompts, first.stream().map(Generation::tokens).toList(), cue,
                engine), SamplingParams.greedy(maxNew)));
        boolean[] ok1 = correct(problems, first, reward), ok2 = correct(problems, second, reward);
        Transitions t = Transitions.of(ok1, ok2);
        int unchanged = 0;
        for (int i = 0; i < first.size(); i++) if (first.get(i).text().equals(second.get(i).text())) unchanged++;
        double n = Math.max(1, problems.size());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("t1", t.accuracyFirst());
        m.put("t2", t.accuracySecond());
        m.put("delta", t.delta());
        m.put("i_to_c", t.incorrectToCorrect() / n);
        m.put("c_to_i", t.correctToIncorrect() / n);
        m.put("unchanged", unchanged / n);
        return m;
    }

    private static List<Generation> inOrder(List<Generation> gens) {
        return gens.stream().sorted(java.util.Comparator.comparingInt(Generation::promptIndex)).toList();
    }

    private static boolean[] correct(List<Problem> problems, List<Generation> gens, Reward reward) {
        List<Sample> samples = new ArrayList<>(gens.size());
        for (Generation g : gens) samples.add(new Sample(problems.get(g.promptIndex()), g.text()));
        List<Score> scores = reward.score(samples);
        boolean[] ok = new boolean[gens.size()];
        for (int i = 0; i < ok.length; i++) ok[i] = scores.get(i).correct();
        return ok;
    }
}
