package io.autodidact.engine.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.HfTokenizer;
import io.autodidact.engine.IdTokenizer;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.Tokenizers;
import io.autodidact.engine.safetensors.DType;
import io.autodidact.engine.safetensors.ShardedSafetensors;
import io.autodidact.engine.safetensors.SafetensorsWriter;
import io.autodidact.engine.safetensors.TensorData;
import io.autodidact.engine.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.Stream;

/**
 * Checkpoints as Hugging Face model directories: {@code config.json}, {@code model.safetensors} (or
 * shards with an index) and the tokenizer's files, so transformers loads what we write and we load
 * what it writes.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** The sub-directory of a checkpoint that holds the LoRA adapter it was trained with, in PEFT's layout. */
    public static final String ADAPTER_DIR = "adapter";

    /**
     * Writes into a temporary sibling directory and renames it into place, so a crash never leaves half a checkpoint.
     * With LoRA adapters attached, {@code model.safetensors} holds the merged weights (a plain Hugging Face model that
     * any runtime serves) and {@value #ADAPTER_DIR}/ the adapter alone, relative to {@link DjlEngine#baseModelName()}.
     */
    static void save(DjlEngine engine, Path dir) {
        Path target = dir.toAbsolutePath();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            LlamaModel model = engine.model();
            model.config().write(tmp.resolve("config.json"));
            LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
            try (NDManager scratch = model.manager().newSubManager()) {
                var weights = model.lora().isPresent() ? model.mergedWeights(scratch) : model.weights();
                for (var e : weights.entrySet()) {
                    NDArray a = e.getValue();
                    ByteBuffer bytes = ByteBuffer.wrap(a.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
                    tensors.put(e.getKey(), new TensorData(DType.F32, a.getShape().getShape(), bytes));
                }
            }
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
            if (model.lora().isPresent()) engine.saveAdapter(tmp.resolve(ADAPTER_DIR));
            saveTokenizer(engine.tokenizer(), tmp);
            // Generation defaults (eos ids, sampling) belong to the model: keep the source directory's.
            Path generation = engine.baseModelName().isEmpty() ? null : Path.of(engine.baseModelName()).resolve("generation_config.json");
            if (generation != null && Files.isRegularFile(generation) && !Files.exists(tmp.resolve("generation_config.json")))
                Files.copy(generation, tmp.resolve("generation_config.json"));
            if (Files.exists(target)) {
                Path old = target.resolveSibling(target.getFileName() + ".old-" + ProcessHandle.current().pid());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                deleteRecursively(old);
            } else {
                Files.createDirectories(target.getParent());
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    // What transformers' save_pretrained writes for a tokenizer and generation defaults; copied as they are.
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "added_tokens.json", "chat_template.jinja", "chat_template.json", "vocab.json", "merges.txt", "tokenizer.model",
            "generation_config.json");

    private static void saveTokenizer(Tokenizer tokenizer, Path dir) throws IOException {
        if (tokenizer instanceof CharTokenizer c) {
            c.save(dir);
        } else if (tokenizer instanceof HfTokenizer h) {
            Path from = h.file().getParent();
            for (String f : TOKENIZER_FILES)
                if (Files.exists(from.resolve(f))) Files.copy(from.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        } else if (!(tokenizer instanceof IdTokenizer)) { // ids stand for themselves: nothing to write
            throw new IllegalArgumentException("cannot save a tokenizer of type " + tokenizer.getClass().getName());
        }
    }

    /**
     * Loads a checkpoint directory written by us or by transformers. Errors name the file and what is wrong. A directory
     * without tokenizer files gets an {@link IdTokenizer}: it runs on token ids only.
     */
    public static DjlEngine load(Path dir, EngineOptions options) {
        return load(dir, options, null);
    }

    /** As {@link #load(Path, EngineOptions)}, with a tokenizer given for directories that carry none. */
    public static DjlEngine load(Path dir, EngineOptions options, Tokenizer givenTokenizer) {
        if (!Files.isDirectory(dir))
            throw new IllegalArgumentException("checkpoint " + dir + " is not a directory; expected a Hugging Face model directory");
        if (!Files.exists(dir.resolve("config.json")) && PeftAdapters.isAdapter(dir)) return loadWithAdapter(dir, options, givenTokenizer);
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config))
            throw new IllegalArgumentException("checkpoint " + dir + " has no config.json; expected a Hugging Face model directory");
        LlamaConfig cfg = LlamaConfig.read(config);
        ShardedSafetensors weights;
        Tokenizer tokenizer;
        try {
            weights = ShardedSafetensors.open(dir);
            tokenizer = givenTokenizer != null ? givenTokenizer
                    : Tokenizers.hasTokenizer(dir) ? Tokenizers.load(dir) : IdTokenizer.of(dir, cfg.vocabSize());
        } catch (IOException e) {
            throw new IllegalArgumentException("checkpoint " + dir + ": " + e.getMessage(), e);
        }
        if (!cfg.tieWordEmbeddings() && !weights.contains("lm_head.weight")) cfg = tied(cfg);
        NDManager manager = NDManager.newBaseManager();
        try {
            SequencedMap<String, NDArray> arrays = new LinkedHashMap<>();
            for (var e : LlamaModel.weightShapes(cfg).entrySet()) {
                String name = e.getKey();
                if (!weights.contains(name))
                    throw new IllegalArgumentException("checkpoint " + dir + " lacks weight '" + name + "' " + e.getValue());
                TensorInfo info = weights.info(name);
                Shape shape = new Shape(info.shape());
                if (!shape.equals(e.getValue()))
                    throw new IllegalArgumentException("checkpoint " + dir + ": weight '" + name + "' has shape " + shape
                            + " but config.json implies " + e.getValue());
                NDArray a;
                if (info.dtype() == DType.F32) {
                    // libtorch wraps the read-only mapping without copying; training and merging update weights in
                    // place, which would fault on those pages, so each tensor is copied into libtorch's own memory
                    // (native, never the Java heap) and the mapping is let go.
                    try (NDArray mapped = manager.create(weights.buffer(name), shape, DataType.FLOAT32)) {
                        a = mapped.duplicate();
                    }
                } else {
                    a = NativeArrays.of(manager, weights.toFloatArray(name), shape);
                }
                arrays.put(name, a);
            }
            DjlEngine engine = DjlEngine.of(LlamaModel.of(cfg, manager, arrays), tokenizer, options);
            engine.baseModelName(dir.toAbsolutePath().normalize().toString());
            return engine;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A PEFT adapter directory: its base model (base_model_name_or_path, a directory) with the adapter attached. */
    private static DjlEngine loadWithAdapter(Path dir, EngineOptions options, Tokenizer givenTokenizer) {
        String base = PeftAdapters.baseModel(dir).orElseThrow(() -> new IllegalArgumentException(dir.resolve(PeftAdapters.CONFIG)
                + ": base_model_name_or_path is missing; set it to the base model's directory"));
        Path baseDir = dir.resolve(base);
        if (!Files.isDirectory(baseDir))
            throw new IllegalArgumentException(dir.resolve(PeftAdapters.CONFIG) + ": base_model_name_or_path '" + base
                    + "' is not a directory here (hub names cannot be fetched); point it at the base model's directory");
        DjlEngine engine = load(baseDir, options, givenTokenizer);
        try {
            engine.loadAdapter(dir);
            return engine;
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** The config with a tied head: a file without {@code lm_head.weight} ties it whatever config.json says, as transformers does. */
    static LlamaConfig tied(LlamaConfig c) {
        return new LlamaConfig(c.modelType(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(),
                c.ropeScaling(), true, c.attentionBias(), c.qkNorm());
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
