package io.autodidact.recipe.mcts;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A generative process reward model: a language model of the policy's family whose value of a solution prefix is
 * the probability it gives a "good" verdict token against a "bad" one after {@code prompt + prefix + separator},
 * {@code p(+) / (p(+) + p(-))}.
 *
 * <p>ReST-MCTS* puts a scalar head on the last token and regresses the step values with MSE. Our engine trains only
 * language-model losses, so the target {@code v} is taught as a soft label instead: a row ending in the good token
 * with weight {@code v} and one ending in the bad token with weight {@code 1 - v} make the weighted SFT loss exactly
 * the cross-entropy against the two-way distribution {@code (v, 1 - v)}, whose minimum is at {@code p(+) = v}
 * (when the model puts its mass on the two verdicts). Cross-entropy rather than MSE changes how errors are weighed,
 * not the value the model is pulled to.
 */
public final class ProcessRewardModel {

    /**
     * How a prefix is put to the model: the separator after it, then one verdict token. Characters must be in the
     * task's alphabet (the built-in addition task: {@code 0-9 + = > newline}).
     */
    public record Format(String separator, String positive, String negative) {
        public Format {
            Objects.requireNonNull(separator, "separator");
            if (positive == null || positive.isEmpty()) throw new IllegalArgumentException("recipe.prm_positive must be a non-empty verdict, e.g. \"1\"");
            if (negative == null || negative.isEmpty()) throw new IllegalArgumentException("recipe.prm_negative must be a non-empty verdict, e.g. \"0\"");
            if (positive.equals(negative))
                throw new IllegalArgumentException("recipe.prm_positive and recipe.prm_negative must differ, both are \"" + positive + "\"");
        }
    }

    /** A prefix of a problem's solution and the value it should get. */
    public record Example(int[] prompt, int[] prefix, double value) {
        public Example {
            if (!(value >= 0 && value <= 1)) throw new IllegalArgumentException("a PRM target must be in [0, 1], got " + value);
        }
    }

    private final PolicyEngine engine;
    private final int[] separator;
    private final int positive, negative;
    private final Set<Integer> ends;

    /** @throws IllegalArgumentException when a verdict is not a single token of the engine's tokenizer */
    public ProcessRewardModel(PolicyEngine engine, Format format) {
        this.engine = engine;
        this.separator = format.separator().isEmpty() ? new int[0] : engine.tokenizer().encode(format.separator());
        this.positive = single(engine, format.positive(), "recipe.prm_positive");
        this.negative = single(engine, format.negative(), "recipe.prm_negative");
        this.ends = engine.tokenizer().eosIds();
    }

    private static int single(PolicyEngine engine, String verdict, String field) {
        int[] ids;
        try {
            ids = engine.tokenizer().encode(verdict);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": \"" + verdict + "\" cannot be encoded by this model's tokenizer (" + e.getMessage()
                    + "); choose a character of the task's alphabet");
        }
        if (ids.length != 1)
            throw new IllegalArgumentException(field + ": \"" + verdict + "\" is " + ids.length + " tokens; a verdict must be one token");
        return ids[0];
    }

    public PolicyEngine engine() {
        return engine;
    }

    /** The model's input for a prefix: prompt, prefix without end-of-sequence tokens, separator; clipped on the left to fit. */
    int[] context(int[] prompt, int[] prefix) {
        int[] body = Arrays.stream(prefix).filter(t -> !ends.contains(t)).toArray();
        int[] all = new int[prompt.length + body.length + separator.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(body, 0, all, prompt.length, body.length);
        System.arraycopy(separator, 0, all, prompt.length + body.length, separator.length);
        int room = engine.contextLength() - 1; // the verdict's position
        return all.length <= room ? all : Arrays.copyOfRange(all, all.length - room, all.length);
    }

    /** The value of each prefix (of the prompt at the same index), in [0, 1]. */
    public double[] values(List<int[]> prompts, List<int[]> prefixes) {
        if (prompts.size() != prefixes.size()) throw new IllegalArgumentException(prompts.size() + " prompts but " + prefixes.size() + " prefixes");
        if (prompts.isEmpty()) return new double[0];
        List<int[]> contexts = new ArrayList<>(2 * prompts.size()), verdicts = new ArrayList<>(2 * prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] c = context(prompts.get(i), prefixes.get(i));
            contexts.add(c);
            verdicts.add(new int[] {positive});
            contexts.add(c);
            verdicts.add(new int[] {negative});
        }
        List<float[]> lp = engine.logprobs(contexts, verdicts);
        double[] out = new double[prompts.size()];
        for (int i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(lp.get(2 * i + 1)[0] - lp.get(2 * i)[0]));
        return out;
    }

    /** The soft-target rows of the examples: good verdict with weight v, bad with 1 - v; a zero weight makes no row. */
    public List<TrainSequence> rows(List<Example> examples) {
        List<TrainSequence> out = new ArrayList<>(2 * examples.size());
        for (Example e : examples) {
            int[] c = context(e.prompt(), e.prefix());
            if (e.value() > 0) out.add(row(c, positive, e.value()));
            if (e.value() < 1) out.add(row(c, negative, 1 - e.value()));
        }
        return out;
    }

    private static TrainSequence row(int[] context, int verdict, double weight) {
        int[] tokens = Arrays.copyOf(context, context.length + 1);
        tokens[context.length] = verdict;
        return new TrainSequence(tokens, context.length, (float) weight, new float[0]);
    }

    /** {@code steps} optimizer steps on batches drawn with replacement from the examples' rows; the mean loss (NaN if none). */
    public double train(List<Example> examples, int steps, int batchSize, double lr, long seed) {
        List<TrainSequence> rows = rows(examples);
        if (rows.isEmpty() || steps == 0) return Double.NaN;
        SplittableRandom random = new SplittableRandom(seed);
        double sum = 0;
        for (int s = 0; s < steps; s++) {
            List<TrainSequence> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) batch.add(rows.get(random.nextInt(rows.size())));
            sum += engine.train(new TrainBatch(batch, lr)).loss();
        }
        return sum / steps;
    }
}
