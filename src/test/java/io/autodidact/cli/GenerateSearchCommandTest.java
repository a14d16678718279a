package io.autodidact.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.recipe.mcts.RestMcts;
import io.autodidact.testing.TinyRestMctsRun;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code generate --search}: ReST-MCTS*'s search as an inference mode, on a tiny rest-mcts run's policy and PRM. */
class GenerateSearchCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void printsThePrmsChosenCompleteTracePerPromptWithinTheTokenBudget() throws Exception {
        Path run = TinyRestMctsRun.get();
        String model = run.resolve("checkpoints/iter-0001").toString(), prm = RestMcts.prmCheckpoint(run, 1).toString();
        ModelCommandsTest.Result r = ModelCommandsTest.run("generate", "--model", model, "--search", "--prm", prm, "--budget-tokens", "100",
                "--max-new-tokens", "24", "--prompt", "21+43=", "--prompt", "5+7=", "--json", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), "one answer per prompt: " + r.out());
        for (int i = 0; i < 2; i++) {
            JsonNode a = JSON.readTree(lines.get(i));
            assertEquals(i == 0 ? "21+43=" : "5+7=", a.get("prompt").asText());
            assertEquals(100, a.get("budget_tokens").asInt());
            assertTrue(a.get("tokens").asInt() > 0 && a.get("tokens").asInt() <= 100, "spent " + a.get("tokens") + " of 100");
            assertTrue(a.get("complete").asBoolean(), "a 3-digit solution is 4 steps of 2 branches: within 100 tokens: " + lines.get(i));
            assertTrue(a.get("ids").size() > 0 && a.get("ids").size() <= 24, lines.get(i));
            double value = a.get("prm_value").asDouble();
            assertTrue(value > 0 && value < 1, "a PRM value is a probability: " + value);
            assertTrue(a.get("complete_traces").asInt() >= 1 && a.get("expansions").asInt() >= 1, lines.get(i));
        }
        // The run's recipe gives the search its settings; the text output names what was spent.
        ModelCommandsTest.Result text = ModelCommandsTest.run("generate", "--model", model, "--search", "--prm", prm, "--max-new-tokens", "24",
                "--prompt", "21+43=", "--threads", "1");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().startsWith("== prompt 1: 21+43=\ntokens "), text.out());
        assertTrue(text.out().contains(" of 60, "), "the run's budget_tokens (60) when --budget-tokens is not given: " + text.out());
    }

    @Test
    void refusesSearchOptionsWithoutSearchAndABudgetThatCannotPayForOneExpansion() {
        Path run = TinyRestMctsRun.get();
        String model = run.resolve("checkpoints/iter-0001").toString();
        var without = ModelCommandsTest.run("generate", "--model", model, "--budget-tokens", "100", "--prompt", "5+7=");
        assertEquals(2, without.code());
        assertTrue(without.err().contains("add --search"), without.err());
        var small = ModelCommandsTest.run("generate", "--model", model, "--search", "--budget-tokens", "10", "--branch", "2", "--step-tokens", "6",
                "--prompt", "5+7=");
        assertEquals(2, small.code());
        assertTrue(small.err().contains("--budget-tokens 10") && small.err().contains("(12)"), small.err());
        var greedy = ModelCommandsTest.run("generate", "--model", model, "--search", "--temperature", "0", "--prompt", "5+7=");
        assertEquals(2, greedy.code());
        assertTrue(greedy.err().contains("--temperature must be > 0"), greedy.err());
    }
}
