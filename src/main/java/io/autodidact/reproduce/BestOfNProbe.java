package io.autodidact.reproduce;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.loop.Problem;
import io.autodidact.reward.AnswerExtractor;
import io.autodidact.run.BestOfN;
import io.autodidact.task.TaskWorkload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Best-of-N selection on the base policy over the run's headline eval sets (all sets when none are named): the
 * accuracy of a random pick, the most self-certain sample, certainty-weighted Borda voting, majority voting and the
 * oracle (pass@N), averaged over sets with equal weight as the headline is.
 */
record BestOfNProbe(int n) implements Reproduction.Probe {
    static final String NAME = "best-of-n";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Double> measure(Reproduction.ProbeContext c) {
        TaskWorkload workload = TaskWorkload.of(c.baseSpec());
        SequencedMap<String, List<Problem>> sets = new LinkedHashMap<>();
        List<String> headline = c.baseSpec().eval().headline();
        workload.evalSets().forEach((name, problems) -> {
            if (headline.isEmpty() || headline.contains(name)) sets.put(name, problems);
        });
        List<BestOfN.Row> rows;
        try (PolicyEngine engine = c.engines().load(c.baseCheckpoint())) {
            rows = BestOfN.evaluate(engine, sets, workload.reward(), AnswerExtractor.lastLine(), n, c.baseSpec().eval().temperature(),
                    c.baseSpec().generate().maxNewTokens(), 0.5, c.baseSpec().seed());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("n", (double) n);
        out.put("random", rows.stream().mapToDouble(BestOfN.Row::random).average().orElse(0));
        out.put("most_certain", rows.stream().mapToDouble(BestOfN.Row::mostCertain).average().orElse(0));
        out.put("borda", rows.stream().mapToDouble(BestOfN.Row::borda).average().orElse(0));
        out.put("majority", rows.stream().mapToDouble(BestOfN.Row::majority).average().orElse(0));
        out.put("oracle", rows.stream().mapToDouble(BestOfN.Row::oracle).average().orElse(0));
        return out;
    }
}
