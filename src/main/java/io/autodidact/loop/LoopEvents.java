package io.autodidact.loop;

/**
 * What a run reports while it works: the CLI draws progress bars from it, the service streams it. A
 * listener that throws stops the run where it stands (tests use that to simulate crashes).
 */
public interface LoopEvents {
    default void stageStarted(int iteration, Stage stage, long total, String unit) {}

    default void progress(int iteration, Stage stage, long done) {}

    /** After the stage's journal line is durable. */
    default void stageFinished(int iteration, Stage stage, double seconds) {}

    /** After a durable part of a stage (e.g. one rollout file of GENERATE). */
    default void partFinished(int iteration, Stage stage, int part) {}

    default void iterationFinished(IterationMetrics metrics) {}

    /** Tokens through the engine: completion tokens sampled (GENERATE), sequence tokens trained on (TRAIN, BOOTSTRAP). */
    default void tokens(int iteration, Stage stage, long count) {}

    /** After each part of SCORE: samples the reward was called on, and how many of them it could not score. */
    default void scored(int iteration, int samples, int errors) {}

    default void message(String text) {}

    LoopEvents NONE = new LoopEvents() {};
}
