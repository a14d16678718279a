package io.autodidact.recipe.mcts;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.recipe.mcts.StepNode.End;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ValueTargetsTest {
    static StepNode step(StepNode parent, String text, End end, double prior) {
        int[] tokens = new int[text.length()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = text.charAt(i);
        return parent.addChild(tokens, new float[tokens.length], text, end, prior);
    }

    static Map<String, ValueTargets.Target> byText(List<ValueTargets.Target> targets) {
        return targets.stream().collect(Collectors.toMap(t -> t.node().prefixText(), t -> t));
    }

    /**
     * root -> a -> a1 (correct), a2 (wrong); root -> b -> b1 (wrong); root -> c (never expanded). Worked by hand:
     * steps to correct a1 1, a 2, root 3; a2 takes a's 2 and b1, b take root's 3. Values: a = 0 + 1/2 = 0.5,
     * a1 = 0.5 + 0.5/1 = 1, a2 = max(0, 0.5 - 0.5/2) = 0.25, b = max(0, 0 - 1/3) = 0, b1 = 0; c gets none.
     */
    @Test
    void infersTheWeightedRewardValuesOfAHandMadeTree() {
        StepNode root = StepNode.root();
        StepNode a = step(root, "a\n", End.OPEN, 0.4), b = step(root, "b\n", End.OPEN, 0.6);
        step(root, "c\n", End.OPEN, 0.1);
        StepNode a1 = step(a, "A", End.COMPLETE, 0.9), a2 = step(a, "X", End.COMPLETE, 0.2);
        StepNode b1 = step(b, "Y", End.COMPLETE, 0.5);
        a1.verify(true);
        a2.verify(false);
        b1.verify(false);

        Map<String, ValueTargets.Target> t = byText(ValueTargets.infer(root));
        assertEquals(Map.of("a\n", 0.5, "a\nA", 1.0, "a\nX", 0.25, "b\n", 0.0, "b\nY", 0.0),
                t.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().value())));
        assertEquals(2, t.get("a\n").stepsToCorrect());
        assertEquals(2, t.get("a\nX").stepsToCorrect(), "a wrong step takes the steps of its nearest ancestor with a correct answer");
        assertEquals(3, t.get("b\nY").stepsToCorrect());
        assertTrue(t.get("a\n").reachesCorrect());
        assertFalse(t.get("a\nX").reachesCorrect());
        assertFalse(t.get("b\n").reachesCorrect());
        assertFalse(t.containsKey("c\n"), "a node that never ended gets no target");
    }

    @Test
    void aCorrectFinalStepGetsOneAndValuesClimbAlongACorrectTrace() {
        StepNode root = StepNode.root();
        StepNode s1 = step(root, "1\n", End.OPEN, 0), s2 = step(s1, "2\n", End.OPEN, 0), s3 = step(s2, "3", End.COMPLETE, 0);
        s3.verify(true);
        Map<String, ValueTargets.Target> t = byText(ValueTargets.infer(root));
        assertEquals(1 / 3.0, t.get("1\n").value(), 1e-12);
        assertEquals(2 / 3.0, t.get("1\n2\n").value(), 1e-12);
        assertEquals(1.0, t.get("1\n2\n3").value(), 1e-12);
    }

    @Test
    void aTreeWithNoCorrectTraceGivesNoTargets() {
        StepNode root = StepNode.root();
        StepNode a = step(root, "a\n", End.OPEN, 0.5);
        step(a, "X", End.COMPLETE, 0.5).verify(false);
        step(root, "Y", End.COMPLETE, 0.5).verify(false);
        assertEquals(List.of(), ValueTargets.infer(root));
    }

    @Test
    void refusesATreeWithAnUnverifiedCompleteTrace() {
        StepNode root = StepNode.root();
        step(root, "A", End.COMPLETE, 0.5);
        var e = assertThrows(IllegalArgumentException.class, () -> ValueTargets.infer(root));
        assertTrue(e.getMessage().contains("not verified"), e.getMessage());
    }

    @Test
    void backupMakesAParentTheVisitWeightedMeanOfItsChildrenAndSelectionPrefersValue() {
        StepNode root = StepNode.root();
        StepNode a = step(root, "a\n", End.OPEN, 0.8), b = step(root, "b\n", End.OPEN, 0.2);
        root.expanded();
        assertEquals(0.5, root.value(), 1e-12);
        assertSame(a, root.select(0.0), "without exploration the higher value is expanded first");
        step(a, "A", End.COMPLETE, 0.2);
        step(a, "B", End.COMPLETE, 0.4);
        a.expanded();
        assertEquals(0.3, a.value(), 1e-12);
        assertEquals(2, a.visits());
        assertEquals((2 * 0.3 + 0.2) / 3, root.value(), 1e-12, "a now weighs twice");
        assertSame(b, root.select(0.0), "a's subtree is exhausted (both traces complete)");
        step(b, "C", End.CUT, 0.1);
        b.expanded();
        assertTrue(root.exhausted());
        assertNull(root.select(1.0));
    }

    @Test
    void aucCountsPairsWithTiesAsHalf() {
        assertEquals(1.0, Auc.of(new double[] {0.9, 0.8, 0.1}, new boolean[] {true, true, false}), 1e-12);
        assertEquals(0.0, Auc.of(new double[] {0.1, 0.9}, new boolean[] {true, false}), 1e-12);
        assertEquals(0.5, Auc.of(new double[] {0.5, 0.5}, new boolean[] {true, false}), 1e-12);
        // pairs (pos, neg): (0.7,0.3) win, (0.7,0.8) loss, (0.3,0.3) tie, (0.3,0.8) loss -> 1.5 / 4
        assertEquals(0.375, Auc.of(new double[] {0.7, 0.3, 0.3, 0.8}, new boolean[] {true, true, false, false}), 1e-12);
        assertTrue(Double.isNaN(Auc.of(new double[] {0.5}, new boolean[] {true})));
    }

    @Test
    void groupedAucComparesOnlyWithinAGroup() {
        // Across groups the positives (0.2, 0.3) score below most negatives (0.9, 0.9 and 0.25 for 0.2): the plain AUC is 0.375. Within each
        // group the positive is above its own negative, which is what a search choosing among siblings needs.
        double[] scores = {0.2, 0.1, 0.9, 0.3, 0.25, 0.9};
        boolean[] positive = {true, false, false, true, false, false};
        List<String> groups = List.of("a", "a", "b", "c", "c", "d");
        Auc.Grouped g = Auc.within(scores, positive, groups);
        assertEquals(1.0, g.auc(), 1e-12);
        assertEquals(2, g.pairs(), "a: 1 pair, c: 1 pair; b and d have negatives only");
        assertEquals(0.375, Auc.of(scores, positive), 1e-12);
        Auc.Grouped tie = Auc.within(new double[] {0.5, 0.5, 0.4}, new boolean[] {true, false, false}, List.of("x", "x", "x"));
        assertEquals(0.75, tie.auc(), 1e-12, "a tie counts half, a win one: 1.5 / 2");
        assertTrue(Double.isNaN(Auc.within(new double[] {0.5, 0.4}, new boolean[] {true, false}, List.of("x", "y")).auc()));
        assertThrows(IllegalArgumentException.class, () -> Auc.within(new double[] {0.5}, new boolean[] {true}, List.of()));
    }
}
