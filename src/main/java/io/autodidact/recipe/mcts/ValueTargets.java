package io.autodidact.recipe.mcts;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-step value targets ReST-MCTS* infers from a searched tree whose complete traces were verified (Zhang et
 * al. 2024, "ReST-MCTS*"): {@code v_0 = 0}, {@code v_k = max(v_{k-1} + w_k, 0)} with
 * {@code w_k = (1 - v_{k-1}) / (m_k + 1) * (1 - 2 r_k)}, {@code r_k = 0} when a verified-correct trace lies below the
 * step and 1 otherwise, and {@code m_k + 1} the number of steps from the step's prefix to the nearest correct answer
 * below it, so a correct final step gets 1.
 *
 * <p>Checked against the reference code (THUDM/ReST-MCTS, {@code MCTS/base.py}, {@code get_full_value_samples_vm} and
 * {@code get_all_value_samples_vm}): {@code V = max(0, V_parent + (1 - V_parent) * (±1) / min_steps_to_correct)}, with
 * a correct leaf's {@code min_steps_to_correct = 1} and an ancestor's the minimum over its children plus one. For a
 * step with no correct trace below it the reference gives {@code min_steps_to_correct} of its nearest ancestor that
 * has one (not the distance through that ancestor); we do the same. Nodes without a correct trace below them or below
 * an ancestor (a tree with no correct trace at all), and open or cut leaves, which never ended, get no target. The
 * paper's text and equation numbers were not checked (not verified).
 */
public final class ValueTargets {
    private ValueTargets() {}

    /**
     * One inferred target.
     *
     * @param reachesCorrect whether a verified-correct trace lies below (r = 0): the prefix's label for AUC
     * @param stepsToCorrect {@code m + 1} as used in the weight
     */
    public record Target(StepNode node, double value, boolean reachesCorrect, int stepsToCorrect) {
        public Target {
            if (!(value >= 0 && value <= 1)) throw new IllegalArgumentException("a value target must be in [0, 1], got " + value);
            if (stepsToCorrect < 1) throw new IllegalArgumentException("steps to a correct answer must be >= 1, got " + stepsToCorrect);
        }
    }

    /** The targets of every node that gets one, parents before children; the root gets none. */
    public static List<Target> infer(StepNode root) {
        Map<StepNode, Integer> steps = new IdentityHashMap<>();
        Map<StepNode, Boolean> reaches = new IdentityHashMap<>();
        List<StepNode> leaves = root.completeLeaves();
        for (StepNode leaf : leaves) {
            if (!leaf.verified())
                throw new IllegalArgumentException("complete trace \"" + leaf.prefixText() + "\" was not verified; verify every complete trace first");
            if (!leaf.correct()) continue;
            steps.put(leaf, 1);
            reaches.put(leaf, true);
            for (StepNode below = leaf, n = leaf.parent(); n != null; below = n, n = n.parent()) {
                steps.merge(n, steps.get(below) + 1, Math::min);
                reaches.put(n, true);
            }
        }
        for (StepNode leaf : leaves) {
            if (leaf.correct()) continue;
            StepNode anchor = leaf.parent();
            while (anchor != null && !steps.containsKey(anchor)) anchor = anchor.parent();
            if (anchor == null) continue;
            int m = steps.get(anchor);
            for (StepNode n = leaf; n != anchor && !steps.containsKey(n); n = n.parent()) steps.put(n, m);
        }
        List<Target> out = new ArrayList<>();
        collect(root, 0, steps, reaches, out);
        return out;
    }

    private static void collect(StepNode node, double parentValue, Map<StepNode, Integer> steps, Map<StepNode, Boolean> reaches,
                                List<Target> out) {
        for (StepNode child : node.children()) {
            Integer m = steps.get(child);
            if (m == null) continue;
            boolean good = reaches.getOrDefault(child, false);
            double v = Math.max(0, parentValue + (1 - parentValue) * (good ? 1 : -1) / m);
            out.add(new Target(child, v, good, m));
            collect(child, v, steps, reaches, out);
        }
    }
}
