package io.autodidact.loop;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one iteration of a run did and how well the policy then scored: the row behind
 * {@code metrics.jsonl}, the plots and the live REST status.
 *
 * @param iteration              the loop iteration (0 for the baseline evaluation before training)
 * @param evalPass1              held-out pass@1 over all problems, in [0, 1]
 * @param evalPass1ByDifficulty  held-out pass@1 per difficulty label
 * @param evalK                  the k of {@code evalPasskByDifficulty}; 0 when pass@k was not measured
 * @param evalPasskByDifficulty  held-out pass@k per difficulty label (empty when {@code evalK} is 0)
 * @param samplesGenerated       completions sampled this iteration
 * @param samplesCorrect         of those, the ones the verifier accepted
 * @param samplesSelected        of those, the ones kept for training
 * @param trainLoss              mean training loss of the iteration; NaN when nothing was trained
 * @param reward                 the distribution of this iteration's rewards
 * @param stageSeconds           wall-clock seconds per stage name (GENERATE, SCORE, ...)
 * @param extra                  recipe-specific controls and monitors (temperature, KL, balance score...)
 */
public record IterationMetrics(
        int iteration,
        double evalPass1,
        Map<String, Double> evalPass1ByDifficulty,
        int evalK,
        Map<String, Double> evalPasskByDifficulty,
        int samplesGenerated,
        int samplesCorrect,
        int samplesSelected,
        double trainLoss,
        RewardStats reward,
        Map<String, Double> stageSeconds,
        Map<String, Double> extra) {

    public IterationMetrics {
        if (iteration < 0) throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
        requireRate("evalPass1", evalPass1);
        evalPass1ByDifficulty = rates("evalPass1ByDifficulty", evalPass1ByDifficulty);
        if (evalK < 0) throw new IllegalArgumentException("evalK must be >= 0 (0 = not measured), got " + evalK);
        evalPasskByDifficulty = rates("evalPasskByDifficulty", evalPasskByDifficulty);
        if (evalK == 0 && !evalPasskByDifficulty.isEmpty())
            throw new IllegalArgumentException("evalPasskByDifficulty is set but evalK is 0; give the k it was measured at");
        if (samplesGenerated < 0 || samplesCorrect < 0 || samplesSelected < 0)
            throw new IllegalArgumentException("sample counts must be >= 0, got generated=" + samplesGenerated
                    + " correct=" + samplesCorrect + " selected=" + samplesSelected);
        if (samplesCorrect > samplesGenerated)
            throw new IllegalArgumentException("samplesCorrect (" + samplesCorrect + ") exceeds samplesGenerated ("
                    + samplesGenerated + ")");
        if (samplesSelected > samplesGenerated)
            throw new IllegalArgumentException("samplesSelected (" + samplesSelected + ") exceeds samplesGenerated ("
                    + samplesGenerated + ")");
        if (Double.isInfinite(trainLoss)) throw new IllegalArgumentException("trainLoss is infinite; the run diverged");
        Objects.requireNonNull(reward, "reward must not be null; use RewardStats.EMPTY");
        stageSeconds = sorted("stageSeconds", stageSeconds);
        extra = sorted("extra", extra);
    }

    /** Whether this iteration trained (its {@code trainLoss} is a number). */
    public boolean trained() {
        return !Double.isNaN(trainLoss);
    }

    private static void requireRate(String name, double v) {
        if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException(name + " must be a rate in [0, 1], got " + v);
    }

    private static Map<String, Double> rates(String name, Map<String, Double> map) {
        Map<String, Double> copy = sorted(name, map);
        copy.forEach((k, v) -> requireRate(name + "[" + k + "]", v));
        return copy;
    }

    // Sorted so JSON lines and plot legends come out in a stable order.
    private static Map<String, Double> sorted(String name, Map<String, Double> map) {
        Objects.requireNonNull(map, name + " must not be null; use Map.of()");
        TreeMap<String, Double> copy = new TreeMap<>();
        map.forEach((k, v) -> {
            if (k == null || v == null) throw new IllegalArgumentException(name + " must not hold null keys or values");
            copy.put(k, v);
        });
        return Collections.unmodifiableMap(copy);
    }
}
