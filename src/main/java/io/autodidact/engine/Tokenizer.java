package io.autodidact.engine;

/**
 * Turns text into token ids and back. One per model; the engine samples until {@link #eosId()}. Some tokenizers
 * hold native memory ({@link HfTokenizer}), so close the ones you load; for pure-Java ones close does nothing.
 */
public interface Tokenizer extends AutoCloseable {
    int[] encode(String text);

    String decode(int[] ids);

    int vocabSize();

    /** The token that ends a completion. */
    int eosId();

    /**
     * Every token that ends a completion: {@link #eosId()} and, for models whose {@code generation_config.json} lists
     * several (e.g. {@code <|im_end|>} and {@code <|endoftext|>}), the others too, as transformers' generate stops on any.
     */
    default java.util.Set<Integer> eosIds() {
        return java.util.Set.of(eosId());
    }

    /** The token used to fill short rows of a batch; never trained on. */
    int padId();

    /** Releases native resources, if any. */
    @Override
    default void close() {}
}
