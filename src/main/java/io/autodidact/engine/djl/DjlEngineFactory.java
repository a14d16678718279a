package io.autodidact.engine.djl;

import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.Tokenizer;
import io.autodidact.loop.RunSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Makes in-process DJL engines with the given options; with {@code lora}, every engine it makes or loads carries
 * fresh adapters and trains only them (its checkpoints hold merged weights plus the adapter in PEFT's layout).
 */
public record DjlEngineFactory(EngineOptions options, Optional<LoraConfig> lora) implements EngineFactory {

    public DjlEngineFactory(EngineOptions options) {
        this(options, Optional.empty());
    }

    /** The factory a run config asks for: its engine threads (else {@code defaultThreads}), batch rows and LoRA. */
    public static DjlEngineFactory forRun(RunSpec spec, int defaultThreads) {
        int threads = spec.engine().threads() > 0 ? spec.engine().threads() : defaultThreads;
        EngineOptions options = EngineOptions.defaults().withThreads(threads).withMaxBatchRows(spec.engine().maxBatchRows());
        Optional<LoraConfig> lora;
        try {
            lora = spec.lora().map(l -> new LoraConfig(l.rank(), l.alpha(), l.dropout(), l.targets()));
        } catch (IllegalArgumentException e) {
            throw io.autodidact.loop.ConfigMap.error("lora", e.getMessage());
        }
        return new DjlEngineFactory(options, lora);
    }

    @Override
    public PolicyEngine create(ModelShape s, Tokenizer tokenizer, long seed) {
        LlamaConfig config = LlamaConfig.tiny(tokenizer.vocabSize(), s.hidden(), s.layers(), s.heads(), s.kvHeads(), s.context());
        return withLora(DjlEngine.create(config, tokenizer, options.withSeed(seed)));
    }

    /**
     * With LoRA, a checkpoint whose {@code adapter/} names a base directory that exists loads as that base plus the
     * adapter: exactly the state that was saved, so a resumed run trains the same adapters an uninterrupted one does.
     * Otherwise (no adapter, or a fresh model's base that was never on disk) the merged weights get fresh adapters.
     */
    @Override
    public PolicyEngine load(Path checkpoint) {
        Path adapter = checkpoint.resolve(Checkpoints.ADAPTER_DIR);
        if (lora.isPresent() && PeftAdapters.isAdapter(adapter)) {
            Optional<Path> base = PeftAdapters.baseModel(adapter).map(adapter::resolve).filter(java.nio.file.Files::isDirectory);
            if (base.isPresent()) {
                DjlEngine engine = DjlEngine.load(base.get(), options);
                try {
                    engine.loadAdapter(adapter);
                    return engine;
                } catch (RuntimeException e) {
                    engine.close();
                    throw e;
                }
            }
        }
        return withLora(DjlEngine.load(checkpoint, options));
    }

    private DjlEngine withLora(DjlEngine engine) {
        lora.ifPresent(engine::addLora);
        return engine;
    }
}
