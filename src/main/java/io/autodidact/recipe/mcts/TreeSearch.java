package io.autodidact.recipe.mcts;

import io.autodidact.engine.FinishReason;
import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.TokenIds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * MCTS* of ReST-MCTS* over many problems at once: each problem has its own tree of steps, and every round each tree
 * that still has budget expands one node, so one generate call (per step length) and one value call serve them all.
 *
 * <p>A round, per tree: <b>select</b> by descending from the root to an unexpanded open node, at each level the child
 * maximising UCT {@code V + c * sqrt(2 ln N / n)} (V the backed-up value, n its visits, N its siblings' total visits);
 * <b>expand</b> it with {@code branch} next steps sampled from the policy (a step ends at {@code step_end}, e.g. a
 * newline, or at the end of the sequence), identical steps merged; <b>evaluate</b> each new step with the process
 * reward model; <b>back up</b> (every node on the path gets one more visit and the visit-weighted mean of its
 * children's values). This is the reference code's loop (THUDM/ReST-MCTS {@code MCTS/mcts.py}: {@code getBestChild},
 * {@code expand}, {@code back_propagate}) without its simulation step (a greedy roll-out whose best value is mixed into
 * the node's): roll-outs spend tokens the budget would rather spend on the tree. In the reference, N is the parent's
 * own visit count; here children start with one visit each, so N is their sum, which keeps the exploration term alive
 * right after an expansion.
 *
 * <p>The budget counts generated tokens, per problem: a tree expands only while its unspent budget covers
 * {@code branch} steps of the longest length this expansion allows, so no tree spends more than its budget.
 */
public final class TreeSearch {

    /**
     * @param branch       next steps sampled per expansion
     * @param budgetTokens generated tokens a problem's tree may spend
     * @param stepTokens   the longest step; a step cut there is neither continued nor verified
     * @param maxNewTokens the longest complete solution
     * @param exploration  UCT's c
     * @param stepEnd      the text that ends a step
     */
    public record Settings(int branch, int budgetTokens, int stepTokens, int maxNewTokens, double temperature, double exploration, String stepEnd) {
        public Settings {
            if (branch < 1) throw new IllegalArgumentException("recipe.branch must be >= 1, got " + branch);
            if (stepTokens < 1) throw new IllegalArgumentException("recipe.step_tokens must be >= 1, got " + stepTokens);
            if (budgetTokens < branch * stepTokens)
                throw new IllegalArgumentException("recipe.budget_tokens (" + budgetTokens + ") must cover one expansion, branch x step_tokens = "
                        + branch * stepTokens + "; raise it or lower branch or step_tokens");
            if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
            if (!(temperature > 0)) throw new IllegalArgumentException("recipe.temperature must be > 0 for a search (its branches must differ), got " + temperature);
            if (!(exploration >= 0)) throw new IllegalArgumentException("recipe.exploration must be >= 0, got " + exploration);
            if (stepEnd == null || stepEnd.isEmpty()) throw new IllegalArgumentException("recipe.step_end must be non-empty, e.g. \"\\n\"");
        }
    }

    /** One problem's searched tree and what it cost. */
    public static final class Tree {
        private final int[] prompt;
        private final StepNode root = StepNode.root();
        private int tokensUsed;
        private int expansions;
        private boolean stopped;

        Tree(int[] prompt) {
            this.prompt = prompt.clone();
        }

        public int[] prompt() {
            return prompt.clone();
        }

        public StepNode root() {
            return root;
        }

        public int tokensUsed() {
            return tokensUsed;
        }

        public int expansions() {
            return expansions;
        }

        /** The complete trace the process reward model values most: the search's answer without an oracle. */
        public Optional<StepNode> best() {
            return root.completeLeaves().stream().max(Comparator.comparingDouble(StepNode::prior));
        }
    }

    private TreeSearch() {}

    public static List<Tree> search(PolicyEngine policy, ProcessRewardModel prm, List<int[]> prompts, Settings s, long seed) {
        List<Tree> trees = new ArrayList<>(prompts.size());
        for (int[] p : prompts) trees.add(new Tree(p));
        for (int round = 0; ; round++) {
            // Requests grouped by the longest step they allow: one generate call per length.
            Map<Integer, List<Tree>> byLength = new TreeMap<>();
            Map<Tree, StepNode> chosen = new java.util.IdentityHashMap<>();
            for (Tree t : trees) {
                if (t.stopped) continue;
                StepNode node = t.root.select(s.exploration());
                int room = room(policy, s, t, node);
                if (node == null || room < 1 || s.budgetTokens() - t.tokensUsed < s.branch() * room) {
                    t.stopped = true;
                    continue;
                }
                chosen.put(t, node);
                byLength.computeIfAbsent(room, k -> new ArrayList<>()).add(t);
            }
            if (chosen.isEmpty()) return trees;
            int group = 0;
            for (var e : byLength.entrySet()) {
                int length = e.getKey();
                List<Tree> members = e.getValue();
                List<int[]> contexts = new ArrayList<>(members.size());
                for (Tree t : members) contexts.add(TokenIds.concat(t.prompt, chosen.get(t).prefixTokens()));
                SamplingParams params = new SamplingParams(s.branch(), s.temperature(), 1, 0, length, List.of(s.stepEnd()), mix(seed, round, group++));
                List<Generation> gens = policy.generate(contexts, params);
                List<int[]> valuePrompts = new ArrayList<>(gens.size()), valuePrefixes = new ArrayList<>(gens.size());
                for (Generation g : gens) {
                    Tree t = members.get(g.promptIndex());
                    t.tokensUsed += g.tokens().length;
                    valuePrompts.add(t.prompt);
                    valuePrefixes.add(TokenIds.concat(chosen.get(t).prefixTokens(), g.tokens()));
                }
                double[] values = prm.values(valuePrompts, valuePrefixes);
                for (int i = 0; i < gens.size(); i++) {
                    Generation g = gens.get(i);
                    Tree t = members.get(g.promptIndex());
                    StepNode node = chosen.get(t);
                    node.addChild(g.tokens(), g.logprobs(), g.text(), end(policy, s, t, node, g, length), values[i]);
                }
                for (Tree t : members) {
                    chosen.get(t).expanded();
                    t.expansions++;
                }
            }
        }
    }

    /** The longest step {@code node} may take: the step cap, the solution's remaining length, the context's room. */
    private static int room(PolicyEngine policy, Settings s, Tree t, StepNode node) {
        if (node == null) return 0;
        return Math.min(s.stepTokens(), Math.min(s.maxNewTokens() - node.length(), policy.contextLength() - t.prompt.length - node.length()));
    }

    private static StepNode.End end(PolicyEngine policy, Settings s, Tree t, StepNode node, Generation g, int length) {
        int total = node.length() + g.tokens().length;
        boolean full = total >= s.maxNewTokens() || t.prompt.length + total >= policy.contextLength();
        if (g.finishReason() == FinishReason.EOS || full) return StepNode.End.COMPLETE;
        if (g.finishReason() == FinishReason.LENGTH) return StepNode.End.CUT;
        return StepNode.End.OPEN;
    }

    static long mix(long seed, int a, int b) {
        long h = seed * 0x9E3779B97F4A7C15L ^ (a + 0x632BE59BD9B4E019L) * 0xBF58476D1CE4E5B9L ^ (b + 0x2545F4914F6CDD1DL) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }
}
