package io.autodidact.loop;

/** The stages of a run, in order. BOOTSTRAP and the first EVALUATE belong to iteration 0 (the base policy). */
public enum Stage {
    BOOTSTRAP, GENERATE, SCORE, SELECT, TRAIN, EVALUATE
}
