package io.autodidact.task;

import java.util.List;
import java.util.Optional;

/**
 * Evaluating nested arithmetic on digits, modulo 10 (every value is one digit, so each step is a table look-up
 * a small model can learn), with a scratchpad that reduces the innermost bracket one step per line. Difficulty is
 * the nesting depth: the number of operators, each level wrapping the one inside in brackets and adding a digit
 * on a random side. The category is the operator set the problem draws from: {@code add} (+), {@code add-sub}
 * (+ -), {@code add-mul} (+ *) or {@code mixed} (+ - *).
 *
 * <p>{@code 5-(2*(3+4))} is the prompt {@code 5-(2*(3+4))=} and the completion
 * <pre>
 * 3+4=7
 * 2*7=4
 * 5-4=1
 * >1</pre>
 * one line per operator from the innermost out, the operands in the prompt's order ({@code 2*7} is 14, whose last
 * digit is 4; a difference wraps around, {@code 3-5=8}), then {@code >} and the value, which is the problem's answer.
 */
public final class ExpressionsTask extends GeneratedTask {
    public static final String NAME = "expressions";
    public static final String ALPHABET = "0123456789+-*()=>\n";
    public static final int DEFAULT_MAX_DEPTH = 6;
    /** Prompt and completion of depth 12 fill about 130 characters; deeper is beyond any model this demo trains. */
    public static final int MAX_DEPTH = 12;
    private static final List<String> CATEGORIES = List.of("add", "add-sub", "add-mul", "mixed");
    private static final List<String> OPERATORS = List.of("+", "+-", "+*", "+-*");
    // The eval seed is fixed forever: eval sets must be the same in every run and version so results stay comparable.
    private static final Identity IDENTITY = new Identity(NAME, ALPHABET, CATEGORIES, "expr", 0x5EED_E4B2_0000L, "depth-%d");

    public ExpressionsTask(int maxDepth, DifficultyMix seedMix) {
        super(IDENTITY, sizeOption(NAME, "max_depth", maxDepth, 1, MAX_DEPTH), seedMix);
    }

    /** About 4% of seed examples have depth 3..max, the rest 1..2. */
    public static DifficultyMix defaultSeedMix(int maxDepth) {
        return DifficultyMix.of(0.04, 2, maxDepth);
    }

    /** The digit after the last {@code >}. */
    @Override
    public Optional<String> answerOf(String completion) {
        return digitsAfterLastMarker(completion).map(GeneratedTask::stripLeadingZeros);
    }

    @Override
    Instance draw(SplitMix64 random, int depth) {
        int c = (int) random.below(CATEGORIES.size());
        String ops = OPERATORS.get(c);
        StringBuilder steps = new StringBuilder();
        int value = (int) random.below(10);
        String expr = String.valueOf(value);
        for (int level = 1; level <= depth; level++) {
            char op = ops.charAt((int) random.below(ops.length()));
            int digit = (int) random.below(10);
            boolean digitLeft = level == 1 || random.below(2) == 0;
            int left = digitLeft ? digit : value, right = digitLeft ? value : digit;
            int result = apply(op, left, right);
            steps.append(left).append(op).append(right).append('=').append(result).append('\n');
            String inner = level == 1 ? expr : "(" + expr + ")";
            expr = digitLeft ? digit + String.valueOf(op) + inner : inner + op + digit;
            value = result;
        }
        steps.append('>').append(value);
        return new Instance(expr + "=", steps.toString(), String.valueOf(value), CATEGORIES.get(c));
    }

    private static int apply(char op, int left, int right) {
        return switch (op) {
            case '+' -> (left + right) % 10;
            case '-' -> Math.floorMod(left - right, 10);
            case '*' -> left * right % 10;
            default -> throw new IllegalStateException("operator " + op);
        };
    }
}
