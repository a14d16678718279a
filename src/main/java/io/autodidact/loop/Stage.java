package io.autodidact.loop;

/**
 * The stages of a run, in order. BOOTSTRAP and the first EVALUATE belong to iteration 0 (the base policy). PLAN
 * fixes what an iteration works on before it generates: the curriculum's choice of problems and the recipe's
 * controls (B-STaR's temperature and threshold), journaled so a resume repeats them exactly.
 */
public enum Stage {
    BOOTSTRAP, PLAN, GENERATE, SCORE, SELECT, TRAIN, EVALUATE
}
