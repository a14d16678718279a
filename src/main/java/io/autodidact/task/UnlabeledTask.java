package io.autodidact.task;

import io.autodidact.loop.Problem;
import io.autodidact.reward.Reward;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A built-in task in no-label mode (task option {@code labels: false}): its training problems reach the loop
 * without their answers, while the held-out sets keep theirs, so a label-free recipe learns from its own votes
 * and is still measured against the truth. The verifier cannot judge an unlabeled sample and says so
 * ({@link Score#failed}, counted as an error, never selected); samples of labelled problems (the eval sets, or
 * problems a recipe has given a pseudo-label) are verified as usual.
 */
final class UnlabeledTask implements BuiltInTask {
    private final BuiltInTask labelled;
    private final Reward verifier;

    UnlabeledTask(BuiltInTask labelled) {
        this.labelled = labelled;
        this.verifier = new Withheld(labelled.verifier());
    }

    @Override
    public String name() {
        return labelled.name();
    }

    @Override
    public String alphabet() {
        return labelled.alphabet();
    }

    @Override
    public int maxDifficulty() {
        return labelled.maxDifficulty();
    }

    @Override
    public List<Problem> problems(int count, int minDifficulty, int maxDifficulty, long seed) {
        List<Problem> out = new ArrayList<>(count);
        for (Problem p : labelled.problems(count, minDifficulty, maxDifficulty, seed))
            out.add(new Problem(p.id(), p.prompt(), Optional.empty(), p.category(), p.difficulty(), p.metadata()));
        return List.copyOf(out);
    }

    @Override
    public List<EvalSet> evalSets(int countPerSet) {
        return labelled.evalSets(countPerSet);
    }

    @Override
    public List<SeedExample> seedExamples(int count, long seed) {
        return labelled.seedExamples(count, seed);
    }

    @Override
    public List<String> categories() {
        return labelled.categories();
    }

    @Override
    public Reward verifier() {
        return verifier;
    }

    @Override
    public Optional<String> answerOf(String completion) {
        return labelled.answerOf(completion);
    }

    private record Withheld(Reward verifier) implements Reward {
        @Override
        public List<Score> score(List<Sample> samples) {
            List<Sample> judged = new ArrayList<>();
            for (Sample s : samples) if (s.problem().answer().isPresent()) judged.add(s);
            List<Score> scores = judged.isEmpty() ? List.of() : verifier.score(judged);
            List<Score> out = new ArrayList<>(samples.size());
            int next = 0;
            for (Sample s : samples)
                out.add(s.problem().answer().isPresent() ? scores.get(next++)
                        : Score.failed("problem " + s.problem().id() + ": answer withheld (task option labels: false); "
                                + "a label-free recipe must supply a pseudo-label"));
            return List.copyOf(out);
        }

        @Override
        public String name() {
            return verifier.name();
        }
    }
}
