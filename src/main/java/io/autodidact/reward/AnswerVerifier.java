package io.autodidact.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link Reward} that checks each completion against its problem's reference answer. It owns the
 * rules every such verifier shares: a problem without an answer, or a check that throws, fails that one
 * sample with a message instead of losing the batch.
 */
public abstract class AnswerVerifier implements Reward {

    @Override
    public final List<Score> score(List<Sample> samples) {
        List<Score> scores = new ArrayList<>(samples.size());
        for (Sample sample : samples) scores.add(scoreOne(sample));
        return List.copyOf(scores);
    }

    private Score scoreOne(Sample sample) {
        Optional<String> answer = sample.problem().answer();
        if (answer.isEmpty())
            return Score.failed("problem " + sample.problem().id() + " has no answer; this verifier needs one");
        try {
            return check(sample.completion(), answer.get(), sample.problem().id());
        } catch (RuntimeException e) {
            return Score.failed(name() + " verifier failed on problem " + sample.problem().id() + ": " + e);
        }
    }

    /**
     * Scores one completion against the reference answer. A completion that states no answer or a wrong one
     * is incorrect ({@link Score#of}); only a problem the verifier cannot judge (e.g. a reference answer that
     * is not a number for a numeric verifier) is {@link Score#failed}.
     */
    protected abstract Score check(String completion, String answer, String problemId);

    /** An incorrect score that says why, for logs and the rollout browser. */
    protected static Score incorrect(String message) {
        return new Score(0, false, message, "");
    }

    /** A correct score that says what was accepted. */
    protected static Score correct(String message) {
        return new Score(1, true, message, "");
    }

    @Override
    public String toString() {
        return name() + " verifier";
    }
}
