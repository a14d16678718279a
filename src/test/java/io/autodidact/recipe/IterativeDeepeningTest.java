package io.autodidact.recipe;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.loop.ConfigMap.ConfigException;
import io.autodidact.loop.Demonstration;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Rollout;
import io.autodidact.task.AdditionTask;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link IterativeDeepening#deepenTraces} on hand-made samples and a real (untrained) tiny model: what it continues, and how. */
class IterativeDeepeningTest {
    static final DjlEngineFactory ENGINES = new DjlEngineFactory(EngineOptions.defaults().withThreads(1));
    static final AdditionTask TASK = new AdditionTask(2);
    static final String CUE = "\n{prompt}";

    static PolicyEngine tiny(int context) {
        return ENGINES.create(new EngineFactory.ModelShape(32, 1, 2, 2, context), new CharTokenizer(AdditionTask.ALPHABET), 5);
    }

    /** A sample of {@code p} whose completion is {@code text} then end-of-sequence, each token with log-probability {@code lp}. */
    static Rollout sample(PolicyEngine policy, Problem p, int index, String text, float lp) {
        int[] body = policy.tokenizer().encode(text);
        int[] tokens = Arrays.copyOf(body, body.length + 1);
        tokens[body.length] = policy.tokenizer().eosId();
        float[] logprobs = new float[tokens.length];
        Arrays.fill(logprobs, lp);
        return new Rollout(1, p.id(), index, policy.tokenizer().encode(p.prompt()), tokens, logprobs, text, "eos", 1.0, 0, false, false, 0, "");
    }

    static SamplingParams params(int maxNewTokens) {
        return SamplingParams.sample(1, 1.0, maxNewTokens, 17);
    }

    @Test
    void aFailedSampleGetsTheCueWithLogprobZeroThenASampledContinuationAndACorrectOneIsLeftAlone() {
        Problem wrong = TASK.problem("a", 12, 34), right = TASK.problem("b", 5, 7);
        try (PolicyEngine policy = tiny(128)) {
            Rollout failed = sample(policy, wrong, 0, "99>99", -0.25f), solved = sample(policy, right, 1, TASK.solve(5, 7), -0.5f);
            List<IterativeDeepening.Trace> traces = IterativeDeepening.deepenTraces(policy, List.of(wrong, right), List.of(failed, solved),
                    TASK.verifier(), CUE, 1, params(8));

            IterativeDeepening.Trace kept = traces.get(1);
            assertSame(solved, kept.rollout(), "a verified-correct sample is not continued");
            assertEquals(0, kept.rounds());
            assertEquals(solved.completionTokens().length, kept.sampledTokens());

            IterativeDeepening.Trace t = traces.get(0);
            Rollout r = t.rollout();
            assertEquals(1, t.rounds());
            assertEquals("a", r.problemId());
            assertEquals(0, r.sampleIndex(), "the key stays the sample's");
            assertArrayEquals(failed.promptTokens(), r.promptTokens(), "trained under the plain prompt");
            int[] attempt = policy.tokenizer().encode("99>99"), cue = policy.tokenizer().encode("\n" + wrong.prompt());
            assertEquals(7, cue.length, "{prompt} is the problem's prompt: " + wrong.prompt());
            int from = attempt.length + cue.length;
            assertTrue(r.completionTokens().length > from, "something was sampled after the cue");
            assertArrayEquals(attempt, Arrays.copyOfRange(r.completionTokens(), 0, attempt.length), "the attempt, its end token dropped");
            assertArrayEquals(cue, Arrays.copyOfRange(r.completionTokens(), attempt.length, from));
            for (int j = 0; j < attempt.length; j++) assertEquals(-0.25f, r.logprobs()[j], "the attempt keeps its behaviour log-probabilities");
            for (int j = attempt.length; j < from; j++) assertEquals(0f, r.logprobs()[j], "cue token " + (j - attempt.length) + " was inserted");

            int[] rest = Arrays.copyOfRange(r.completionTokens(), from, r.completionTokens().length);
            assertTrue(rest.length <= 8, "a continuation is at most max_new_tokens long");
            int[] context = new int[r.promptTokens().length + from];
            System.arraycopy(r.promptTokens(), 0, context, 0, r.promptTokens().length);
            System.arraycopy(r.completionTokens(), 0, context, r.promptTokens().length, from);
            float[] lp = policy.logprobs(List.of(context), List.of(rest)).getFirst();
            for (int j = 0; j < rest.length; j++)
                assertEquals(lp[j], r.logprobs()[from + j], 1e-4, "continuation token " + j + " carries the policy's log-probability after the cue");
            assertEquals(failed.completionTokens().length + rest.length, t.sampledTokens(), "sampled: the attempt with its end token, and the "
                    + "continuation; the cue is not");
            assertTrue(r.text().startsWith("99>99\n" + wrong.prompt()), r.text());
        }
    }

    @Test
    void aSampleThatKeepsFailingIsContinuedExactlyMaxRoundsTimes() {
        Problem p = TASK.problem("a", 12, 34);
        try (PolicyEngine policy = tiny(256)) {
            for (int maxRounds : new int[] {1, 3}) {
                IterativeDeepening.Trace t = IterativeDeepening.deepenTraces(policy, List.of(p), List.of(sample(policy, p, 0, "99>99", -1f)),
                        TASK.verifier(), CUE, maxRounds, params(6)).getFirst();
                assertEquals(maxRounds, t.rounds(), "an untrained model does not solve 12+34 in 6 tokens: " + t.rollout().text());
                String cue = "\n" + p.prompt();
                int count = 0;
                for (int at = t.rollout().text().indexOf(cue); at >= 0; at = t.rollout().text().indexOf(cue, at + 1)) count++;
                assertEquals(maxRounds, count, t.rollout().text());
                int zeros = 0;
                for (float lp : t.rollout().logprobs()) if (lp == 0f) zeros++;
                assertTrue(zeros >= 7 * maxRounds, "every cue token of every round has log-probability 0");
            }
        }
    }

    @Test
    void aTraceIsContinuedOnlyWhileTheCueAndOneMoreTokenFitTheContext() {
        Problem p = TASK.problem("a", 12, 34); // prompt 6 tokens, cue 7
        try (PolicyEngine policy = tiny(32)) {
            // 6 + 15 + 7 = 28 < 31: one round, whose continuation the context cuts at 32 tokens; then 6 + 22 + 7 + 7 > 31: no second.
            IterativeDeepening.Trace once = IterativeDeepening.deepenTraces(policy, List.of(p), List.of(sample(policy, p, 0, "9999\n9999\n>9999", -1f)),
                    TASK.verifier(), CUE, 4, params(20)).getFirst();
            assertEquals(1, once.rounds());
            assertTrue(once.rollout().promptTokens().length + once.rollout().completionTokens().length <= 32, "the trace fits the context");
            // 6 + 21 + 7 = 34: no room to write anything after the cue, so the sample stays as it was.
            Rollout full = sample(policy, p, 0, "9999\n9999\n9999\n>99999", -1f);
            IterativeDeepening.Trace never = IterativeDeepening.deepenTraces(policy, List.of(p), List.of(full), TASK.verifier(), CUE, 4, params(20))
                    .getFirst();
            assertEquals(0, never.rounds());
            assertSame(full, never.rollout());
        }
    }

    @Test
    void aCueTheTokenizerCannotWriteIsRefusedNamingRecipeCue() {
        Problem p = TASK.problem("a", 12, 34);
        try (PolicyEngine policy = tiny(64)) {
            var e = assertThrows(IllegalArgumentException.class, () -> IterativeDeepening.deepenTraces(policy, List.of(p),
                    List.of(sample(policy, p, 0, "99>99", -1f)), TASK.verifier(), IterativeDeepening.DEFAULT_CUE, 1, params(4)));
            assertTrue(e.getMessage().startsWith("recipe.cue"), e.getMessage());
            assertTrue(e.getMessage().contains("{prompt}"), "the fix is named: " + e.getMessage());
        }
        var rounds = assertThrows(ConfigException.class, () -> new IterativeDeepening(Map.of("max_rounds", 0)));
        assertTrue(rounds.getMessage().contains("recipe.max_rounds"), rounds.getMessage());
    }

    @Test
    void deepeningDemonstrationsShowTheCorrectionAfterTheTasksOwnMistake() {
        Demonstration d = new Demonstration(TASK.prompt(58, 7), TASK.solve(58, 7));
        List<Demonstration> task = java.util.Collections.nCopies(400, d);
        assertEquals(List.of(), new IterativeDeepening(Map.of("cue", CUE)).demonstrations(task, TASK.mistakes()), "none by default");
        List<Demonstration> out = new IterativeDeepening(Map.of("cue", CUE, "deepening_demonstrations", 0.25)).demonstrations(task, TASK.mistakes());
        assertTrue(out.size() > 70 && out.size() < 130, "about a quarter: " + out.size());
        for (Demonstration r : out) {
            assertEquals(d.completion(), r.completion(), "only the right solution is trained");
            // the prompt is what the sampler continues from: x, a wrong attempt (58 + 7 with a slipped carry), the cue with x restated
            assertTrue(Set.of(d.prompt() + "8750\n5050\n>550\n" + d.prompt(), d.prompt() + "8751\n5061\n>561\n" + d.prompt()).contains(r.prompt()),
                    r.prompt());
        }
        var e = assertThrows(ConfigException.class,
                () -> new IterativeDeepening(Map.of("deepening_demonstrations", 0.25)).demonstrations(task, Optional.empty()));
        assertTrue(e.getMessage().contains("recipe.deepening_demonstrations"), e.getMessage());
    }
}
