package io.autodidact.reproduce;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.AnswerReader;
import io.autodidact.loop.Problem;
import io.autodidact.recipe.mcts.Auc;
import io.autodidact.recipe.mcts.ProcessRewardModel;
import io.autodidact.recipe.mcts.RestMcts;
import io.autodidact.recipe.mcts.StepNode;
import io.autodidact.recipe.mcts.TreeSearch;
import io.autodidact.recipe.mcts.ValueTargets;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.TaskWorkload;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ReST-MCTS*'s search as an inference mode, on the first {@code perSet} problems of each headline eval set, with the
 * final policy and PRM of the arm {@code arm}: best-of-{@code n} (n samples at the eval temperature; the answer picked
 * by the PRM's value of the whole solution, or by majority vote over the task's answers) against the PRM-guided search
 * given the tokens best-of-n spent per problem, measured in the same probe. The search answers with its complete
 * trace of highest PRM value; the task's reward is used only to score answers. Also the PRM's AUC: its value of each
 * searched prefix against whether a verified-correct trace lies below it, over all prefixes, among siblings only (the
 * choice the search makes) and among prefixes of the same depth in the same tree.
 */
record SearchProbe(String arm, int n, int perSet) implements Reproduction.Probe {
    static final String NAME = "search";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Double> measure(Reproduction.ProbeContext c) {
        Path armDir = c.armDirs().get(arm);
        RunDirectory run = RunDirectory.open(armDir);
        int last = run.checkpoints().completeIterations().getLast();
        Map<String, Object> options = new LinkedHashMap<>((Map<String, Object>) run.readRunConfig().get("recipe"));
        options.remove("name");
        RestMcts recipe = new RestMcts(options);
        TaskWorkload workload = TaskWorkload.of(c.baseSpec());
        List<Problem> problems = new ArrayList<>();
        List<String> headline = c.baseSpec().eval().headline();
        workload.evalSets().forEach((set, all) -> {
            if (headline.isEmpty() || headline.contains(set)) problems.addAll(all.subList(0, Math.min(perSet, all.size())));
        });
        int maxNew = c.baseSpec().generate().maxNewTokens();
        AnswerReader answers = workload.answers().orElseThrow(() -> new IllegalStateException("the search probe needs a task that reads answers"));
        Map<String, Double> out = new LinkedHashMap<>();
        try (PolicyEngine policy = c.engines().load(run.checkpoints().directory(last));
             PolicyEngine prmEngine = c.engines().load(RestMcts.prmCheckpoint(armDir, last))) {
            ProcessRewardModel prm = new ProcessRewardModel(prmEngine, recipe.format());
            List<int[]> prompts = problems.stream().map(p -> policy.tokenizer().encode(p.prompt())).toList();
            List<Generation> gens = policy.generate(prompts, SamplingParams.sample(n, c.baseSpec().eval().temperature(), maxNew, c.baseSpec().seed()));
            List<Sample> samples = new ArrayList<>();
            List<int[]> valuePrompts = new ArrayList<>(), valuePrefixes = new ArrayList<>();
            long bonTokens = 0;
            for (Generation g : gens) {
                samples.add(new Sample(problems.get(g.promptIndex()), g.text()));
                valuePrompts.add(prompts.get(g.promptIndex()));
                valuePrefixes.add(g.tokens());
                bonTokens += g.tokens().length;
            }
            List<Score> scores = workload.reward().score(samples);
            double[] values = prm.values(valuePrompts, valuePrefixes);
            int byPrm = 0, byMajority = 0, oracle = 0;
            for (int i = 0; i < problems.size(); i++) {
                int best = -1, any = 0;
                Map<String, Integer> votes = new HashMap<>();
                Map<String, Boolean> right = new HashMap<>();
                for (int j = i * n; j < (i + 1) * n; j++) {
                    if (best < 0 || values[j] > values[best]) best = j;
                    if (scores.get(j).correct()) any = 1;
                    Optional<String> a = answers.answer(gens.get(j).text());
                    if (a.isPresent()) {
                        votes.merge(a.get(), 1, Integer::sum);
                        right.putIfAbsent(a.get(), scores.get(j).correct());
                    }
                }
                if (scores.get(best).correct()) byPrm++;
                oracle += any;
                String top = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
                if (top != null && right.get(top)) byMajority++;
            }
            int budget = (int) Math.round(bonTokens / (double) problems.size());
            TreeSearch.Settings base = recipe.settings(maxNew);
            TreeSearch.Settings settings = new TreeSearch.Settings(base.branch(), budget, base.stepTokens(), maxNew, base.temperature(),
                    base.exploration(), base.stepEnd());
            List<TreeSearch.Tree> trees = TreeSearch.search(policy, prm, prompts, settings, c.baseSpec().seed() ^ 0x5EA2C4L);
            List<Sample> traces = new ArrayList<>();
            List<StepNode> leaves = new ArrayList<>();
            long searchTokens = 0, mostTokens = 0;
            for (int i = 0; i < trees.size(); i++) {
                searchTokens += trees.get(i).tokensUsed();
                mostTokens = Math.max(mostTokens, trees.get(i).tokensUsed());
                for (StepNode leaf : trees.get(i).root().completeLeaves()) {
                    traces.add(new Sample(problems.get(i), leaf.prefixText()));
                    leaves.add(leaf);
                }
            }
            List<Score> traceScores = traces.isEmpty() ? List.of() : workload.reward().score(traces);
            for (int i = 0; i < leaves.size(); i++) leaves.get(i).verify(traceScores.get(i).correct());
            int bySearch = 0;
            List<Double> prmValues = new ArrayList<>();
            List<Boolean> labels = new ArrayList<>();
            List<StepNode> parents = new ArrayList<>();
            List<String> depths = new ArrayList<>();
            for (int i = 0; i < trees.size(); i++) {
                TreeSearch.Tree t = trees.get(i);
                if (t.best().map(StepNode::correct).orElse(false)) bySearch++;
                for (ValueTargets.Target target : ValueTargets.infer(t.root())) {
                    prmValues.add(target.node().prior());
                    labels.add(target.reachesCorrect());
                    parents.add(target.node().parent());
                    depths.add(i + "/" + target.node().depth());
                }
            }
            boolean[] positive = new boolean[labels.size()];
            for (int i = 0; i < positive.length; i++) positive[i] = labels.get(i);
            double[] prmScores = prmValues.stream().mapToDouble(Double::doubleValue).toArray();
            double auc = Auc.of(prmScores, positive);
            // The value targets rise with depth along a correct path, so across depths a shallow prefix of a correct
            // solution can be valued below a deep one of a wrong solution: these two compare like with like.
            Auc.Grouped siblings = Auc.within(prmScores, positive, parents), sameDepth = Auc.within(prmScores, positive, depths);
            double count = problems.size();
            out.put("problems", count);
            out.put("n", (double) n);
            out.put("best_of_n_prm", byPrm / count);
            out.put("majority", byMajority / count);
            out.put("oracle", oracle / count);
            out.put("search", bySearch / count);
            out.put("best_of_n_tokens_per_problem", bonTokens / count);
            out.put("search_tokens_per_problem", searchTokens / count);
            out.put("search_budget_tokens", (double) budget);
            out.put("search_tokens_max_per_problem", (double) mostTokens);
            out.put("prm_auc", Double.isFinite(auc) ? auc : 0.5);
            out.put("prm_auc_prefixes", (double) labels.size());
            out.put("prm_sibling_auc", Double.isFinite(siblings.auc()) ? siblings.auc() : 0.5);
            out.put("prm_sibling_pairs", (double) siblings.pairs());
            out.put("prm_same_depth_auc", Double.isFinite(sameDepth.auc()) ? sameDepth.auc() : 0.5);
            out.put("prm_same_depth_pairs", (double) sameDepth.pairs());
        }
        return out;
    }
}
