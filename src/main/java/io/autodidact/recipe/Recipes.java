package io.autodidact.recipe;

import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.Recipe;
import io.autodidact.recipe.mcts.RestMcts;
import java.util.List;
import java.util.Map;

/** The recipes a run config can name. */
public final class Recipes {
    public static final List<String> NAMES = List.of(Star.NAME, Grpo.NAME, SelfCertainty.NAME, BStar.NAME, SelfConsistency.NAME, Guide.NAME,
            IterativeDeepening.NAME, RestMcts.NAME, SelfRewardingDpo.NAME, Score.NAME);

    private Recipes() {}

    public static Recipe named(String name, Map<String, Object> options) {
        return switch (name) {
            case Star.NAME -> new Star(options);
            case Grpo.NAME -> new Grpo(options);
            case SelfCertainty.NAME -> new SelfCertainty(options);
            case BStar.NAME -> new BStar(options);
            case SelfConsistency.NAME -> new SelfConsistency(options);
            case Guide.NAME -> new Guide(options);
            case IterativeDeepening.NAME -> new IterativeDeepening(options);
            case RestMcts.NAME -> new RestMcts(options);
            case SelfRewardingDpo.NAME -> new SelfRewardingDpo(options);
            case Score.NAME -> new Score(options);
            default -> throw ConfigMap.error("recipe.name", "unknown recipe \"" + name + "\"; available: " + NAMES);
        };
    }
}
