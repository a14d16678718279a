package io.autodidact.engine.djl;

import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.Tokenizer;
import java.nio.file.Path;

/** Makes in-process DJL engines with the given options. */
public record DjlEngineFactory(EngineOptions options) implements EngineFactory {
    @Override
    public PolicyEngine create(ModelShape s, Tokenizer tokenizer, long seed) {
        LlamaConfig config = LlamaConfig.tiny(tokenizer.vocabSize(), s.hidden(), s.layers(), s.heads(), s.kvHeads(), s.context());
        return DjlEngine.create(config, tokenizer, options.withSeed(seed));
    }

    @Override
    public PolicyEngine load(Path checkpoint) {
        return DjlEngine.load(checkpoint, options);
    }
}
