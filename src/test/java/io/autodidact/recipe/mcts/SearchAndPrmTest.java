package io.autodidact.recipe.mcts;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.task.AdditionTask;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PRM's soft-target rows and training, and the search's budget, on a real tiny model. */
class SearchAndPrmTest {
    static final DjlEngineFactory ENGINES = new DjlEngineFactory(EngineOptions.defaults().withThreads(1));
    static final ProcessRewardModel.Format FORMAT = new ProcessRewardModel.Format("=", "1", "0");

    static PolicyEngine tiny() {
        return ENGINES.create(new EngineFactory.ModelShape(32, 1, 2, 2, 48), new CharTokenizer(AdditionTask.ALPHABET), 5);
    }

    @Test
    void aTargetBecomesAGoodRowWeightedVAndABadRowWeightedOneMinusV() {
        try (PolicyEngine engine = tiny()) {
            ProcessRewardModel prm = new ProcessRewardModel(engine, FORMAT);
            int[] prompt = engine.tokenizer().encode("12+34="), prefix = engine.tokenizer().encode("1340\n");
            List<TrainSequence> rows = prm.rows(List.of(new ProcessRewardModel.Example(prompt, prefix, 0.75)));
            assertEquals(2, rows.size());
            String context = "12+34=1340\n=";
            assertEquals(context + "1", engine.tokenizer().decode(rows.get(0).tokens()));
            assertEquals(context + "0", engine.tokenizer().decode(rows.get(1).tokens()));
            assertEquals(context.length(), rows.get(0).completionStart(), "the loss is on the verdict only");
            assertEquals(0.75f, rows.get(0).weight(), 1e-6);
            assertEquals(0.25f, rows.get(1).weight(), 1e-6);
            assertEquals(1, prm.rows(List.of(new ProcessRewardModel.Example(prompt, prefix, 1.0))).size(), "a zero weight makes no row");
        }
    }

    @Test
    void trainingOnSoftTargetsPullsTheValuesToThem() {
        try (PolicyEngine engine = tiny()) {
            ProcessRewardModel prm = new ProcessRewardModel(engine, FORMAT);
            var tok = engine.tokenizer();
            int[] prompt = tok.encode("12+34="), good = tok.encode("1340\n"), bad = tok.encode("1350\n");
            prm.train(List.of(new ProcessRewardModel.Example(prompt, good, 0.8), new ProcessRewardModel.Example(prompt, bad, 0.2)),
                    400, 16, 1e-2, 1);
            double[] v = prm.values(List.of(prompt, prompt), List.of(good, bad));
            assertEquals(0.8, v[0], 0.1, "a soft target of 0.8 is learnt as 0.8, not as a hard 1");
            assertEquals(0.2, v[1], 0.1);
        }
    }

    @Test
    void aVerdictThatIsNotOneTokenIsRefusedNamingTheOption() {
        try (PolicyEngine engine = tiny()) {
            var e = assertThrows(IllegalArgumentException.class, () -> new ProcessRewardModel(engine, new ProcessRewardModel.Format("=", "11", "0")));
            assertTrue(e.getMessage().startsWith("recipe.prm_positive"), e.getMessage());
        }
    }

    @Test
    void noTreeSpendsMoreThanItsTokenBudgetAndEachSpendsMostOfIt() {
        try (PolicyEngine engine = tiny()) {
            ProcessRewardModel prm = new ProcessRewardModel(engine, FORMAT);
            var tok = engine.tokenizer();
            List<int[]> prompts = List.of(tok.encode("12+34="), tok.encode("99+1="), tok.encode("5+5="));
            var settings = new TreeSearch.Settings(2, 60, 5, 20, 1.0, 0.2, "\n");
            List<TreeSearch.Tree> trees = TreeSearch.search(engine, prm, prompts, settings, 11);
            for (TreeSearch.Tree t : trees) {
                int spent = 0;
                for (StepNode n : t.root().nodes()) spent += n.length() - (n.parent() == null ? 0 : n.parent().length());
                assertTrue(spent <= t.tokensUsed(), "merged duplicate steps were paid for too");
                assertTrue(t.tokensUsed() <= 60, "spent " + t.tokensUsed() + " of 60");
                assertTrue(t.root().exhausted() || t.tokensUsed() > 60 - 2 * 5, "stopped early with " + t.tokensUsed() + " spent");
                for (StepNode leaf : t.root().completeLeaves()) {
                    assertTrue(leaf.length() <= 20, "a solution is at most max_new_tokens long");
                    assertEquals(leaf.length(), leaf.prefixLogprobs().length);
                }
            }
        }
    }
}
