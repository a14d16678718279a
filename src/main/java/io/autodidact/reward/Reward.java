package io.autodidact.reward;

import java.util.List;

/**
 * Scores completions. One call scores a batch so that implementations which cross a language boundary
 * (Python) pay for it once. Must return one {@link Score} per sample, in order; a sample that cannot be
 * scored gets {@link Score#failed} rather than an exception, so one bad sample never loses the batch.
 */
public interface Reward {
    List<Score> score(List<Sample> samples);

    /** A short name for logs and run configs, e.g. {@code exact} or {@code python:rewards.py#reward}. */
    String name();
}
