package io.autodidact.recipe.mcts;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One node of an MCTS* tree: a solution prefix that ends with one more step than its parent's. The root is the
 * bare prompt. Mutable while its tree is searched; read afterwards for traces and value targets.
 */
public final class StepNode {
    /** How a node ended its trace, if it did. */
    public enum End {
        /** Not an end: the trace can go on. */
        OPEN,
        /** The trace is complete (end of sequence, or the completion budget ran out) and can be verified. */
        COMPLETE,
        /** The step ran past the step budget without finishing a line: neither continued nor verified. */
        CUT
    }

    private final StepNode parent;
    private final int[] tokens;
    private final float[] logprobs;
    private final String text;
    private final int depth;
    private final int length;
    private final End end;
    private final List<StepNode> children = new ArrayList<>();
    private boolean expanded;
    private double prior;
    private double value;
    private int visits;
    private Boolean correct;

    private StepNode(StepNode parent, int[] tokens, float[] logprobs, String text, End end) {
        if (tokens.length != logprobs.length) throw new IllegalArgumentException("a step's tokens and logprobs differ in length");
        this.parent = parent;
        this.tokens = tokens.clone();
        this.logprobs = logprobs.clone();
        this.text = text;
        this.end = end;
        this.depth = parent == null ? 0 : parent.depth + 1;
        this.length = parent == null ? 0 : parent.length + tokens.length;
    }

    /** The root of a new tree (the prompt, no step yet). */
    public static StepNode root() {
        return new StepNode(null, new int[0], new float[0], "", End.OPEN);
    }

    /**
     * Adds a child step valued {@code prior} by the process reward model, with one visit; a step whose text equals a
     * sibling's is the same node and is not added again (returns the sibling).
     */
    public StepNode addChild(int[] stepTokens, float[] stepLogprobs, String stepText, End stepEnd, double prior) {
        for (StepNode c : children) if (c.text.equals(stepText) && c.end == stepEnd) return c;
        StepNode child = new StepNode(this, stepTokens, stepLogprobs, stepText, stepEnd);
        child.prior = prior;
        child.value = prior;
        child.visits = 1;
        children.add(child);
        return child;
    }

    /** Marks this node expanded (its children sampled) and backs the value up to the root. */
    public void expanded() {
        expanded = true;
        for (StepNode n = this; n != null; n = n.parent) n.backup();
    }

    /** One more visit; the value becomes the visit-weighted mean of the children's values (ReST-MCTS* back_propagate). */
    private void backup() {
        visits++;
        double sum = 0;
        int n = 0;
        for (StepNode c : children) {
            sum += c.visits * c.value;
            n += c.visits;
        }
        if (n > 0) value = sum / n;
    }

    /** Whether the search can still expand something at or below this node. */
    public boolean exhausted() {
        if (end != End.OPEN) return true;
        if (!expanded) return false;
        for (StepNode c : children) if (!c.exhausted()) return false;
        return true;
    }

    /**
     * The child to descend into by UCT, {@code value + c * sqrt(2 ln N / n)} with N the children's total visits, among
     * children not exhausted; ties go to the first sampled. Null when none is left.
     */
    public StepNode bestChild(double exploration) {
        int total = 0;
        for (StepNode c : children) total += c.visits;
        StepNode best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (StepNode c : children) {
            if (c.exhausted()) continue;
            double score = c.value + exploration * Math.sqrt(2 * Math.log(Math.max(total, 1)) / c.visits);
            if (score > bestScore) {
                bestScore = score;
                best = c;
            }
        }
        return best;
    }

    /** The node the next expansion should grow: descend by UCT from here to an unexpanded open node; null if exhausted. */
    public StepNode select(double exploration) {
        StepNode n = this;
        while (n.expanded) {
            n = n.bestChild(exploration);
            if (n == null) return null;
        }
        return n.end == End.OPEN ? n : null;
    }

    /** Every node of the subtree, depth first, this one first. */
    public List<StepNode> nodes() {
        List<StepNode> out = new ArrayList<>();
        collect(out);
        return out;
    }

    private void collect(List<StepNode> out) {
        out.add(this);
        for (StepNode c : children) c.collect(out);
    }

    /** The complete traces of the subtree, in the order they were sampled (depth first). */
    public List<StepNode> completeLeaves() {
        return nodes().stream().filter(n -> n.end == End.COMPLETE).toList();
    }

    /** The steps from the root to here, the root excluded. */
    public List<StepNode> path() {
        List<StepNode> out = new ArrayList<>();
        for (StepNode n = this; n.parent != null; n = n.parent) out.add(n);
        Collections.reverse(out);
        return out;
    }

    /** The completion tokens from the root to here. */
    public int[] prefixTokens() {
        int[] out = new int[length];
        int at = 0;
        for (StepNode n : path()) {
            System.arraycopy(n.tokens, 0, out, at, n.tokens.length);
            at += n.tokens.length;
        }
        return out;
    }

    /** The behaviour policy's log-probabilities of {@link #prefixTokens()}. */
    public float[] prefixLogprobs() {
        float[] out = new float[length];
        int at = 0;
        for (StepNode n : path()) {
            System.arraycopy(n.logprobs, 0, out, at, n.logprobs.length);
            at += n.logprobs.length;
        }
        return out;
    }

    /** The completion text from the root to here. */
    public String prefixText() {
        StringBuilder b = new StringBuilder();
        for (StepNode n : path()) b.append(n.text);
        return b.toString();
    }

    /** Records the task's verdict on a complete trace. */
    public void verify(boolean isCorrect) {
        if (end != End.COMPLETE) throw new IllegalStateException("only a complete trace can be verified; this one is " + end);
        correct = isCorrect;
    }

    public boolean verified() {
        return correct != null;
    }

    public boolean correct() {
        return Boolean.TRUE.equals(correct);
    }

    public StepNode parent() {
        return parent;
    }

    public List<StepNode> children() {
        return Collections.unmodifiableList(children);
    }

    public String text() {
        return text;
    }

    public int depth() {
        return depth;
    }

    /** Completion tokens from the root to here. */
    public int length() {
        return length;
    }

    public End end() {
        return end;
    }

    public boolean isExpanded() {
        return expanded;
    }

    /** The process reward model's value of this prefix when it was added. */
    public double prior() {
        return prior;
    }

    /** The backed-up value the search selects by. */
    public double value() {
        return value;
    }

    public int visits() {
        return visits;
    }
}
