package io.autodidact.recipe;

import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.Tokenizer;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * SCoRe's two-attempt sampling of a part: K first attempts y1 ~ pi(x) (sample indices 0..K-1), then for each one a
 * second attempt y2 ~ pi(x, y1, cue) (sample index K + j after first attempt j). A second attempt's rollout carries
 * the prompt it was sampled and trains under, {@code x + y1 + cue} ({@link #prompt}), and the behaviour policy's
 * log-probabilities with that prompt; its {@code hint} stays empty, since nothing was hidden from the prompt it trains under.
 */
public final class SecondAttempts implements Sampler {
    // Second attempts get their own random stream, so their draws never repeat the first attempts'.
    private static final long SALT = 0x73636F7265L;

    private final String cue;

    public SecondAttempts(String cue) {
        this.cue = Objects.requireNonNull(cue, "cue");
        if (cue.isEmpty()) throw new IllegalArgumentException("recipe.cue must not be empty");
    }

    /**
     * The second-attempt prompt: the first prompt, the first attempt without its end-of-sequence token (the model must
     * not read "the text ended" in the middle of its context), then the cue.
     */
    public static int[] prompt(int[] firstPrompt, int[] firstCompletion, int[] cue, Set<Integer> eos) {
        int end = firstCompletion.length;
        while (end > 0 && eos.contains(firstCompletion[end - 1])) end--;
        int[] out = Arrays.copyOf(firstPrompt, firstPrompt.length + end + cue.length);
        System.arraycopy(firstCompletion, 0, out, firstPrompt.length, end);
        System.arraycopy(cue, 0, out, firstPrompt.length + end, cue.length);
        return out;
    }

    /** The cue in the policy's tokens, or an error naming {@code recipe.cue} when the tokenizer cannot write it. */
    public static int[] cueTokens(String cue, Tokenizer tokenizer) {
        try {
            return tokenizer.encode(cue);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("recipe.cue: the model's tokenizer cannot write the cue: " + e.getMessage()
                    + "; choose a cue from the task's characters (for built-in tasks, e.g. \"\\n=\")", e);
        }
    }

    /** {@link #prompt} for each first attempt, checked against the model's context. */
    public static List<int[]> prompts(List<int[]> firstPrompts, List<int[]> firstCompletions, String cue, PolicyEngine policy) {
        int[] cueTokens = cueTokens(cue, policy.tokenizer());
        Set<Integer> eos = policy.tokenizer().eosIds();
        List<int[]> out = new ArrayList<>(firstPrompts.size());
        for (int i = 0; i < firstPrompts.size(); i++) {
            int[] p = prompt(firstPrompts.get(i), firstCompletions.get(i), cueTokens, eos);
            if (p.length >= policy.contextLength())
                throw new IllegalArgumentException("recipe score: a second-attempt prompt (prompt + first attempt + cue) has " + p.length
                        + " tokens but the model's context is " + policy.contextLength() + "; raise model.context to at least "
                        + "the prompt + 2 x generate.max_new_tokens + the cue, or lower generate.max_new_tokens");
            out.add(p);
        }
        return out;
    }

    @Override
    public List<Rollout> sample(Context c) {
        List<Rollout> first = c.plain();
        int k = c.params().n();
        List<int[]> prompts = prompts(first.stream().map(Rollout::promptTokens).toList(), first.stream().map(Rollout::completionTokens).toList(),
                cue, c.policy());
        SamplingParams p = c.params();
        SamplingParams second = new SamplingParams(1, p.temperature(), p.topP(), p.topK(), p.maxNewTokens(), p.stop(), p.seed() ^ SALT);
        List<Rollout> out = new ArrayList<>(2 * first.size());
        out.addAll(first);
        for (Generation g : c.policy().generate(prompts, second)) {
            Rollout y1 = first.get(g.promptIndex());
            out.add(new Rollout(c.iteration(), y1.problemId(), k + y1.sampleIndex(), prompts.get(g.promptIndex()), g.tokens(), g.logprobs(),
                    g.text(), g.finishReason().name().toLowerCase(), second.temperature(), 0, false, false, 0, ""));
        }
        return out;
    }
}
