package io.autodidact.engine;

/** Turns text into token ids and back. One per model; the engine samples until {@link #eosId()}. */
public interface Tokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    int vocabSize();

    /** The token that ends a completion. */
    int eosId();

    /** The token used to fill short rows of a batch; never trained on. */
    int padId();
}
