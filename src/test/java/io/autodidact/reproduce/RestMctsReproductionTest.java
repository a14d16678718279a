package io.autodidact.reproduce;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.loop.RunSpecReader;
import io.autodidact.run.RunLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RestMctsReproductionTest {
    @Test
    void theReproductionAndTheRecipeConfigValidate() throws Exception {
        Reproducer.validate(Reproductions.named("rest-mcts"), 0, List.of());
        Path config = Path.of("configs/recipes/rest-mcts-addition.yaml");
        RunLauncher.validate(RunSpecReader.parse(Files.readString(config), Path.of("."), List.of(), config.toString()));
    }

    @Test
    void eachClaimIsJudgedOnItsOwnNumbers() {
        Map<String, Double> probe = Map.of("search", 0.50, "best_of_n_prm", 0.45, "majority", 0.47, "oracle", 0.7,
                "search_tokens_per_problem", 300.0, "best_of_n_tokens_per_problem", 310.0, "prm_auc", 0.72, "prm_auc_prefixes", 900.0);
        var star = arm("star", 0.20, 0.40);
        var mcts = arm("rest-mcts", 0.20, 0.43);
        var held = Reproductions.judgeRestMcts(Map.of("star", star, "rest-mcts", mcts), Map.of(SearchProbe.NAME, probe));
        assertTrue(held.held(), held.explanation());
        var weaker = arm("rest-mcts", 0.20, 0.41); // +21 vs +20 points: under the 2-point threshold
        var notHeld = Reproductions.judgeRestMcts(Map.of("star", star, "rest-mcts", weaker), Map.of(SearchProbe.NAME, probe));
        assertFalse(notHeld.held());
        assertTrue(notHeld.explanation().contains("(b) did not hold"), notHeld.explanation());
    }

    static Reproduction.ArmResult arm(String label, double base, double fin) {
        var m0 = new io.autodidact.loop.IterationMetrics(0, base, Map.of(), 0, Map.of(), 0, 0, 0, Double.NaN,
                io.autodidact.loop.RewardStats.EMPTY, Map.of(), Map.of());
        var m1 = new io.autodidact.loop.IterationMetrics(1, fin, Map.of(), 0, Map.of(), 1000, 500, 400, 0.5,
                io.autodidact.loop.RewardStats.EMPTY, Map.of(), Map.of("select_search_tokens_per_problem", 300.0));
        return new Reproduction.ArmResult(label, label, List.of(m0, m1), List.of(base, fin), 1000, 10);
    }
}
