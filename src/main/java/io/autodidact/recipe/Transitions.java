package io.autodidact.recipe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How second attempts relate to first attempts (SCoRe's Table 1): counts of pairs that went correct to correct,
 * correct to incorrect, incorrect to correct and incorrect to incorrect. A model that only copies its first answer has
 * no {@code c->i} and no {@code i->c}; one that self-corrects has more {@code i->c} than {@code c->i}.
 */
public record Transitions(int correctToCorrect, int correctToIncorrect, int incorrectToCorrect, int incorrectToIncorrect) {
    public static final Transitions NONE = new Transitions(0, 0, 0, 0);

    public Transitions {
        if (correctToCorrect < 0 || correctToIncorrect < 0 || incorrectToCorrect < 0 || incorrectToIncorrect < 0)
            throw new IllegalArgumentException("transition counts must be >= 0");
    }

    /** The counts of pairs ({@code first[i]}, {@code second[i]}). */
    public static Transitions of(boolean[] first, boolean[] second) {
        if (first.length != second.length)
            throw new IllegalArgumentException("first and second attempts differ in number: " + first.length + " vs " + second.length);
        Transitions t = NONE;
        for (int i = 0; i < first.length; i++) t = t.plus(first[i], second[i]);
        return t;
    }

    /** These counts with one more pair. */
    public Transitions plus(boolean firstCorrect, boolean secondCorrect) {
        return new Transitions(correctToCorrect + (firstCorrect && secondCorrect ? 1 : 0), correctToIncorrect + (firstCorrect && !secondCorrect ? 1 : 0),
                incorrectToCorrect + (!firstCorrect && secondCorrect ? 1 : 0), incorrectToIncorrect + (!firstCorrect && !secondCorrect ? 1 : 0));
    }

    public Transitions plus(Transitions o) {
        return new Transitions(correctToCorrect + o.correctToCorrect, correctToIncorrect + o.correctToIncorrect,
                incorrectToCorrect + o.incorrectToCorrect, incorrectToIncorrect + o.incorrectToIncorrect);
    }

    public int pairs() {
        return correctToCorrect + correctToIncorrect + incorrectToCorrect + incorrectToIncorrect;
    }

    /** Accuracy of the first attempts (0 without pairs). */
    public double accuracyFirst() {
        return pairs() == 0 ? 0 : (correctToCorrect + correctToIncorrect) / (double) pairs();
    }

    /** Accuracy of the second attempts (0 without pairs). */
    public double accuracySecond() {
        return pairs() == 0 ? 0 : (correctToCorrect + incorrectToCorrect) / (double) pairs();
    }

    /** {@code accuracy@t2 - accuracy@t1}, SCoRe's Delta(t1, t2). */
    public double delta() {
        return accuracySecond() - accuracyFirst();
    }

    /** The counts and accuracies by name: c_to_c, c_to_i, i_to_c, i_to_i, accuracy_t1, accuracy_t2, delta. */
    public Map<String, Double> figures() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("c_to_c", (double) correctToCorrect);
        m.put("c_to_i", (double) correctToIncorrect);
        m.put("i_to_c", (double) incorrectToCorrect);
        m.put("i_to_i", (double) incorrectToIncorrect);
        m.put("accuracy_t1", accuracyFirst());
        m.put("accuracy_t2", accuracySecond());
        m.put("delta", delta());
        return m;
    }
}
