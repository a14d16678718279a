package io.autodidact.engine;

/** Why a completion ended. */
public enum FinishReason {
    /** The model emitted the end-of-sequence token. */
    EOS,
    /** A configured stop string appeared. */
    STOP,
    /** The max-new-tokens budget or the model's context ran out. */
    LENGTH
}
