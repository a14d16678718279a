package io.autodidact.reproduce;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.testing.TinyRestMctsRun;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The search probe on a real tiny rest-mcts run: its figures are finite and in range, and the search keeps to its budget. */
class SearchProbeTest {
    @Test
    void figuresAreFiniteAndInRangeAndEverySearchKeepsWithinBestOfNsTokens() {
        Path run = TinyRestMctsRun.get();
        var context = new Reproduction.ProbeContext(TinyRestMctsRun.spec(), run.resolve("checkpoints/iter-0000"), Map.of("rest-mcts", run),
                TinyRestMctsRun.ENGINES);
        Map<String, Double> f = new SearchProbe("rest-mcts", 3, 6).measure(context);
        for (var e : f.entrySet()) assertTrue(Double.isFinite(e.getValue()), e.getKey() + " = " + e.getValue());
        assertEquals(18.0, f.get("problems"), "6 problems from each of the tiny run's 3 eval sets (no headline: all sets)");
        for (String rate : new String[] {"best_of_n_prm", "majority", "oracle", "search", "prm_auc"})
            assertTrue(f.get(rate) >= 0 && f.get(rate) <= 1, rate + " = " + f.get(rate));
        assertTrue(f.get("best_of_n_prm") <= f.get("oracle") && f.get("majority") <= f.get("oracle"), "no pick beats any-correct: " + f);
        double bon = f.get("best_of_n_tokens_per_problem");
        assertTrue(bon > 0 && bon <= 3 * 24, "3 samples of at most 24 tokens: " + bon);
        assertEquals(Math.round(bon), f.get("search_budget_tokens"), 1e-9, "the search gets best-of-3's tokens per problem");
        assertTrue(f.get("search_tokens_max_per_problem") <= f.get("search_budget_tokens"), "no tree spends more than its budget: " + f);
        assertTrue(f.get("search_tokens_per_problem") > 0 && f.get("search_tokens_per_problem") <= f.get("search_tokens_max_per_problem"), f.toString());
        assertTrue(f.get("prm_auc_prefixes") > 0, "the searched prefixes are labelled: " + f);
    }
}
