package io.autodidact.api;

import io.autodidact.loop.OptionDoc;
import io.autodidact.recipe.BStar;
import io.autodidact.recipe.Grpo;
import io.autodidact.recipe.Guide;
import io.autodidact.recipe.IterativeDeepening;
import io.autodidact.recipe.Score;
import io.autodidact.recipe.SelfCertainty;
import io.autodidact.recipe.SelfConsistency;
import io.autodidact.recipe.SelfRewardingDpo;
import io.autodidact.recipe.Star;
import io.autodidact.recipe.mcts.RestMcts;
import io.autodidact.task.Tasks;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What can be run: recipes and tasks with each option's type, default and meaning. */
@Controller("/api")
@io.swagger.v3.oas.annotations.tags.Tag(name = "catalog")
final class CatalogController {

    /** The recipes, with each option's name, type, default and meaning. */
    @Get("/recipes")
    List<Map<String, Object>> recipes() {
        return List.of(entry(Star.NAME, "STaR / rejection-sampling fine-tuning / ReST-EM: keep verified samples, fine-tune, repeat",
                Star.OPTIONS), entry(Grpo.NAME, "GRPO / Dr. GRPO / RLOO / DAPO: group advantages and the clipped policy-gradient loss, online",
                Grpo.OPTIONS), entry(SelfCertainty.NAME, "label-free sharpening: fine-tune on the most self-certain samples, or self-certainty as the GRPO reward",
                SelfCertainty.OPTIONS), entry(BStar.NAME, "B-STaR: STaR whose temperature and reward threshold are chosen each iteration by the balance score",
                BStar.OPTIONS), entry(SelfConsistency.NAME, "Label-free: the majority answer of K samples is the pseudo-label; STaR or GRPO update",
                SelfConsistency.OPTIONS), entry(Guide.NAME, "Guide: GRPO that resamples all-failed groups with the answer as a hint and trains on them off-policy",
                Guide.OPTIONS), entry(IterativeDeepening.NAME, "Iterative deepening: failed samples are continued after a reflection cue; STaR update",
                IterativeDeepening.OPTIONS),
                entry(RestMcts.NAME,
                "ReST-MCTS*: PRM-guided tree search over steps; verified traces train the policy, inferred step values train the PRM",
                RestMcts.OPTIONS), entry(SelfRewardingDpo.NAME, "Label-free: the policy judges its own samples into preference pairs and trains on them with DPO",
                SelfRewardingDpo.OPTIONS), entry(Score.NAME, "SCoRe: two attempts per sample, RL on the second (stage I) then on both with a bonus for improving",
                Score.OPTIONS));
    }

    /** The built-in tasks and the dataset task, with their options. */
    @Get("/tasks")
    List<Map<String, Object>> tasks() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Tasks.Entry t : Tasks.CATALOG) out.add(entry(t.name(), t.description(), t.options()));
        out.add(entry("dataset", "your problems (JSONL or Arrow IPC) with a Java verifier: task.dataset, task.verifier", List.of(
                new OptionDoc("verifier", "string", "exact", "exact | numeric | regex"),
                new OptionDoc("verifier_options", "mapping", Map.of(), "marker, pattern, abs_tol, rel_tol, compare"))));
        return out;
    }

    private static Map<String, Object> entry(String name, String description, List<OptionDoc> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("description", description);
        m.put("options", options.stream().map(o -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", o.name());
            x.put("type", o.type());
            x.put("default", o.defaultValue());
            x.put("meaning", o.meaning());
            return x;
        }).toList());
        return m;
    }
}
