package io.autodidact.engine.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.engine.PtNDArray;
import io.autodidact.engine.FinishReason;
import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.TokenIds;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.kernels.KernelBatch;
import io.autodidact.engine.djl.kernels.PaddedRows;
import io.autodidact.engine.djl.kernels.JavaKernels;
import io.autodidact.engine.djl.kernels.KernelResult;
import io.autodidact.engine.djl.kernels.Kernels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The embedded engine: a {@link LlamaModel} on libtorch through DJL, sampling with a KV cache and
 * training with AdamW, all in this JVM. Every temporary array lives in an {@link NDScope} closed at the
 * end of its step, so long runs do not grow native memory.
 */
public final class DjlEngine implements PolicyEngine {
    private final Tokenizer tokenizer;
    private final EngineOptions options;
    private final NDManager manager;
    private final LlamaModel model;
    private final AdamW optimizer;
    private String baseModelName = "";
    private Kernels kernels = new Kernels(); // shared with forks

    private DjlEngine(Tokenizer tokenizer, EngineOptions options, NDManager manager, LlamaModel model) {
        this.tokenizer = tokenizer;
        this.options = options;
        this.manager = manager;
        this.model = model;
        this.optimizer = new AdamW(options.adam());
        if (model.config().vocabSize() < tokenizer.vocabSize())
            throw new IllegalArgumentException("model vocab_size " + model.config().vocabSize()
                    + " is smaller than the tokenizer's " + tokenizer.vocabSize());
        markTrainable();
    }

    /** Only trainable weights record gradients: with adapters attached the base weights are frozen. */
    private void markTrainable() {
        for (NDArray p : model.parameters()) p.setRequiresGradient(false);
        for (NDArray p : model.trainableParameters()) p.setRequiresGradient(true);
    }

    /** A new model with freshly initialised weights. */
    public static DjlEngine create(LlamaConfig config, Tokenizer tokenizer, EngineOptions options) {
        configureThreads(options);
        NDManager manager = NDManager.newBaseManager();
        return new DjlEngine(tokenizer, options, manager, LlamaModel.initialize(config, manager, options.seed()));
    }

    /** Wraps a model whose weights already live in {@code manager} (e.g. loaded from a checkpoint). */
    static DjlEngine of(LlamaModel model, Tokenizer tokenizer, EngineOptions options) {
        configureThreads(options);
        return new DjlEngine(tokenizer, options, model.manager(), model);
    }

    private static void configureThreads(EngineOptions options) {
        Engine.getInstance(); // loads libtorch before touching its thread pool
        if (options.threads() > 0) JniUtils.setNumThreads(options.threads());
        // Sampling and evaluation must never record a graph: only train() turns recording on.
        JniUtils.setGradMode(false);
    }

    /** Loads a Hugging Face model directory (or one we wrote). */
    public static DjlEngine load(Path dir, EngineOptions options) {
        return Checkpoints.load(dir, options);
    }

    public LlamaModel model() {
        return model;
    }

    public EngineOptions options() {
        return options;
    }

    /** Where the base weights came from (a directory), recorded in saved adapters' {@code base_model_name_or_path}; "" when fresh. */
    public String baseModelName() {
        return baseModelName;
    }

    void baseModelName(String value) {
        baseModelName = value;
    }

    // ---------------------------------------------------------------- LoRA

    /** The adapters' configuration, when LoRA adapters are attached. */
    public java.util.Optional<LoraConfig> lora() {
        return model.lora();
    }

    /**
     * Attaches fresh LoRA adapters (B = 0, so the model computes what it did) and freezes the base weights: from now
     * on {@link #train} updates only the adapters. The optimizer starts afresh.
     */
    public void addLora(LoraConfig config) {
        if (model.lora().isPresent()) throw new IllegalStateException("LoRA adapters are already attached; merge them first (mergeLora)");
        attach(LoraAdapters.initialize(model.config(), config, manager, options.seed()));
    }

    /** Attaches the PEFT adapter in {@code dir} (adapter_config.json + adapter_model.safetensors) for further use or training. */
    public void loadAdapter(Path dir) {
        if (model.lora().isPresent()) throw new IllegalStateException("LoRA adapters are already attached; merge them first (mergeLora)");
        attach(PeftAdapters.load(dir, model.config(), manager));
    }

    private void attach(LoraAdapters adapters) {
        optimizer.reset();
        model.setAdapters(adapters);
        markTrainable();
    }

    /** Adds the adapters into the base weights and detaches them: the model computes the same, with plain weights that all train. */
    public void mergeLora() {
        if (model.lora().isEmpty()) throw new IllegalStateException("no LoRA adapters are attached; nothing to merge");
        optimizer.reset();
        model.mergeAdapters();
        markTrainable();
    }

    /** Writes the attached adapters in PEFT's layout (adapter_config.json, adapter_model.safetensors) into {@code dir}. */
    public void saveAdapter(Path dir) {
        PeftAdapters.save(model.adapters(), dir, baseModelName);
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int contextLength() {
        return model.config().maxPositionEmbeddings();
    }

    // ---------------------------------------------------------------- generation

    @Override
    public List<Generation> generate(List<int[]> prompts, SamplingParams params) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("generate: the prompt list is empty; pass at least one prompt");
        for (int i = 0; i < prompts.size(); i++) checkTokens("prompt " + i, prompts.get(i), true);
        int n = params.n(), rows = prompts.size() * n;
        List<int[]> rowPrompts = new ArrayList<>(rows);
        int[] promptIndex = new int[rows], sampleIndex = new int[rows];
        for (int r = 0; r < rows; r++) {
            rowPrompts.add(prompts.get(r / n));
            promptIndex[r] = r / n;
            sampleIndex[r] = r % n;
        }
        Generation[] out = new Generation[rows];
        generateRows(rowPrompts, promptIndex, sampleIndex, params, g -> out[g.promptIndex() * n + g.sampleIndex()] = g);
        return List.of(out);
    }

    /**
     * Samples explicit rows: row {@code r} continues {@code rowPrompts.get(r)} with the random stream of
     * ({@code params.seed()}, {@code promptIndex[r]}, {@code sampleIndex[r]}), the same stream {@link #generate} gives
     * that (prompt, sample). So a subset of a request's rows, sampled anywhere (another worker, a later retry), yields
     * what the whole request would have. {@code params.n()} is ignored; each row is one sample. Every finished row is
     * handed to {@code sink} as soon as it ends, in finishing order.
     */
    public void generateRows(List<int[]> rowPrompts, int[] promptIndex, int[] sampleIndex, SamplingParams params,
            java.util.function.Consumer<Generation> sink) {
        int rows = rowPrompts.size();
        if (rows == 0) throw new IllegalArgumentException("generate: no rows; pass at least one prompt");
        if (promptIndex.length != rows || sampleIndex.length != rows)
            throw new IllegalArgumentException("generate: " + rows + " prompts but " + promptIndex.length + " prompt indices and "
                    + sampleIndex.length + " sample indices");
        for (int i = 0; i < rows; i++) checkTokens("prompt " + promptIndex[i], rowPrompts.get(i), true);
        int chunk = options.maxBatchRows();
        for (int start = 0; start < rows; start += chunk) {
            int end = Math.min(rows, start + chunk);
            decode(rowPrompts.subList(start, end), Arrays.copyOfRange(promptIndex, start, end), Arrays.copyOfRange(sampleIndex, start, end),
                    params, sink);
        }
    }

    private void checkTokens(String what, int[] tokens, boolean prompt) {
        if (prompt && tokens.length == 0) throw new IllegalArgumentException(what + " is empty; a prompt needs at least one token");
        int vocab = model.config().vocabSize();
        for (int j = 0; j < tokens.length; j++)
            if (tokens[j] < 0 || tokens[j] >= vocab)
                throw new IllegalArgumentException(what + ": token " + tokens[j] + " at position " + j
                        + " is outside the vocabulary [0, " + vocab + ")");
        if (prompt && tokens.length >= contextLength())
            throw new IllegalArgumentException(what + " has " + tokens.length + " tokens; the model's context is "
                    + contextLength() + ", leaving no room to generate");
    }

    /** Decodes one batch; row r continues {@code prompts.get(r)}. */
    private void decode(List<int[]> prompts, int[] promptIndex, int[] sampleIndex, SamplingParams params,
            java.util.function.Consumer<Generation> sink) {
        int b = promptIndex.length, vocab = model.config().vocabSize();
        java.util.Set<Integer> eos = tokenizer.eosIds();
        int longest = 0;
        for (int[] p : prompts) longest = Math.max(longest, p.length);
        int capacity = Math.min(contextLength(), longest + params.maxNewTokens());

        // Left-pad so every row's next token lands in the same cache slot; pads are masked as keys and
        // positions count from each row's first real token.
        long[] tokens = new long[b * longest], positions = new long[b * longest];
        float[] keyMask = new float[b * capacity];
        int[] rowLength = new int[b];
        for (int r = 0; r < b; r++) {
            int[] p = prompts.get(r);
            int pad = longest - p.length;
            for (int t = 0; t < longest; t++) {
                tokens[r * longest + t] = t < pad ? tokenizer.padId() : p[t - pad];
                positions[r * longest + t] = Math.max(0, t - pad);
            }
            for (int s = pad; s < capacity; s++) keyMask[r * capacity + s] = 1f;
            rowLength[r] = p.length;
        }
        TokenSampler sampler = new TokenSampler(params);
        SplittableRandom[] streams = new SplittableRandom[b];
        for (int r = 0; r < b; r++) streams[r] = TokenSampler.streamFor(params.seed(), promptIndex[r], sampleIndex[r]);
        int[][] completion = new int[b][params.maxNewTokens()];
        float[][] logprobs = new float[b][params.maxNewTokens()];
        int[] produced = new int[b];
        FinishReason[] finish = new FinishReason[b];
        int active = b;

        try (NDScope chunkScope = new NDScope(); NDManager scratch = manager.newSubManager()) {
            chunkScope.suppressNotUsedWarning();
            KvCache cache = new KvCache(scratch, model.config(), b, capacity);
            NDArray maskAll = NativeArrays.of(scratch, keyMask, new Shape(b, capacity));
            int offset = 0, stepLength = longest;
            long[] stepTokens = tokens, stepPositions = positions;
            while (active > 0) {
                float[] logits;
                try (NDScope step = new NDScope()) {
                    step.suppressNotUsedWarning();
                    NDArray x = NativeArrays.of(scratch, stepTokens, new Shape(b, stepLength));
                    NDArray pos = NativeArrays.of(scratch, stepPositions, new Shape(b, stepLength));
                    NDArray mask = maskAll.get(new NDIndex(":, :{}", offset + stepLength));
                    logits = model.lastLogits(x, pos, mask, cache, offset).toFloatArray();
                }
                offset += stepLength;
                stepTokens = new long[b];
                stepPositions = new long[b];
                for (int r = 0; r < b; r++) {
                    stepPositions[r] = rowLength[r];
                    if (finish[r] != null) {
                        stepTokens[r] = tokenizer.padId();
                        continue;
                    }
                    int token = sampler.sample(logits, r * vocab, vocab, streams[r]);
                    completion[r][produced[r]] = token;
                    logprobs[r][produced[r]] = TokenSampler.logprob(logits, r * vocab, vocab, token);
                    produced[r]++;
                    rowLength[r]++;
                    stepTokens[r] = token;
                    if (eos.contains(token)) finish[r] = FinishReason.EOS;
                    else if (hitsStop(completion[r], produced[r], params.stop())) finish[r] = FinishReason.STOP;
                    else if (produced[r] == params.maxNewTokens() || offset + 1 >= capacity) finish[r] = FinishReason.LENGTH; // this token filled the context
                    if (finish[r] != null) {
                        active--;
                        sink.accept(finished(r, promptIndex, sampleIndex, completion, logprobs, produced, finish));
                    }
                }
                stepLength = 1;
            }
            cache.close();
        }
    }

    private Generation finished(int r, int[] promptIndex, int[] sampleIndex, int[][] completion, float[][] logprobs, int[] produced,
            FinishReason[] finish) {
        int[] toks = Arrays.copyOf(completion[r], produced[r]);
        String text = tokenizer.decode(finish[r] == FinishReason.EOS ? Arrays.copyOf(toks, toks.length - 1) : toks);
        return new Generation(promptIndex[r], sampleIndex[r], toks, Arrays.copyOf(logprobs[r], produced[r]), text, finish[r]);
    }

    private boolean hitsStop(int[] tokens, int length, List<String> stop) {
        if (stop.isEmpty()) return false;
        String text = tokenizer.decode(Arrays.copyOf(tokens, length));
        for (String s : stop) if (!s.isEmpty() && text.endsWith(s)) return true;
        return false;
    }

    // ---------------------------------------------------------------- scoring

    @Override
    public List<float[]> logprobs(List<int[]> prompts, List<int[]> completions) {
        if (prompts.size() != completions.size())
            throw new IllegalArgumentException("logprobs: " + prompts.size() + " prompts but " + completions.size() + " completions");
        if (prompts.isEmpty()) throw new IllegalArgumentException("logprobs: the prompt list is empty");
        List<float[]> out = new ArrayList<>(prompts.size());
        int chunk = options.maxBatchRows();
        for (int start = 0; start < prompts.size(); start += chunk) {
            int end = Math.min(prompts.size(), start + chunk);
            List<TrainSequence> rows = new ArrayList<>();
            for (int i = start; i < end; i++) {
                checkTokens("prompt " + i, prompts.get(i), true);
                checkTokens("completion " + i, completions.get(i), false);
                if (completions.get(i).length == 0)
                    throw new IllegalArgumentException("completion " + i + " is empty; nothing to score");
                rows.add(new TrainSequence(TokenIds.concat(prompts.get(i), completions.get(i)), prompts.get(i).length));
            }
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                Packed packed = pack(rows);
                float[] lp = tokenLogprobs(packed, false).toFloatArray();
                int width = packed.length - 1;
                for (int r = 0; r < rows.size(); r++) {
                    TrainSequence s = rows.get(r);
                    float[] row = new float[s.completionLength()];
                    for (int j = 0; j < row.length; j++) row[j] = lp[r * width + s.completionStart() - 1 + j];
                    out.add(row);
                }
            }
        }
        return out;
    }

    @Override
    public double[] selfCertainty(List<int[]> prompts, List<int[]> completions) {
        if (prompts.size() != completions.size())
            throw new IllegalArgumentException("selfCertainty: " + prompts.size() + " prompts but " + completions.size() + " completions");
        double[] out = new double[prompts.size()];
        List<Integer> scored = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            checkTokens("prompt " + i, prompts.get(i), true);
            checkTokens("completion " + i, completions.get(i), false);
            if (completions.get(i).length > 0) scored.add(i); // an empty completion has no distribution to judge: 0
        }
        int chunk = options.maxBatchRows();
        for (int start = 0; start < scored.size(); start += chunk) {
            List<Integer> ids = scored.subList(start, Math.min(scored.size(), start + chunk));
            List<TrainSequence> rows = new ArrayList<>(ids.size());
            for (int i : ids) rows.add(new TrainSequence(TokenIds.concat(prompts.get(i), completions.get(i)), prompts.get(i).length));
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                Packed p = pack(rows);
                NDArray logits = model.forward(p.tokens(), p.positions(), p.keyMask(), null, 0, false).get(new NDIndex(":, :-1, :"));
                // p.weights() is 1 exactly where a completion token is predicted, 0 on prompt and padding.
                float[] certainty = JavaKernels.selfCertainty(logits, p.weights()).toFloatArray();
                for (int r = 0; r < ids.size(); r++) out[ids.get(r)] = certainty[r];
            }
        }
        return out;
    }

    /**
     * The logits of every position of every row, flattened as [rows, tokens, vocab]: what transformers' forward returns
     * for unpadded ids at positions 0..tokens-1. Rows must have one length.
     */
    public float[] logits(List<int[]> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("logits: no rows; pass at least one row of token ids");
        int t = rows.getFirst().length;
        long[] ids = new long[rows.size() * t], pos = new long[ids.length];
        float[] keys = new float[ids.length];
        for (int r = 0; r < rows.size(); r++) {
            int[] row = rows.get(r);
            checkTokens("row " + r, row, false);
            if (row.length != t || t == 0)
                throw new IllegalArgumentException("logits: row " + r + " has " + row.length + " tokens but row 0 has " + t
                        + "; give rows of one non-zero length");
            if (t > contextLength()) throw new IllegalArgumentException("logits: rows have " + t + " tokens; the model's context is " + contextLength());
            for (int j = 0; j < t; j++) {
                ids[r * t + j] = row[j];
                pos[r * t + j] = j;
                keys[r * t + j] = 1;
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Shape shape = new Shape(rows.size(), t);
            return model.forward(NativeArrays.of(manager, ids, shape), NativeArrays.of(manager, pos, shape), NativeArrays.of(manager, keys, shape), null, 0).toFloatArray();
        }
    }

    /** Right-padded rows, with the per-target weight (0 on prompt and padding). */
    private record Packed(NDArray tokens, NDArray positions, NDArray keyMask, NDArray targets, NDArray weights, int rows, int length, int completionTokens) {}

    private Packed pack(List<TrainSequence> rows) {
        int b = rows.size(), t = 0;
        for (TrainSequence s : rows) t = Math.max(t, s.tokens().length);
        if (t > contextLength())
            throw new IllegalArgumentException("a training row has " + t + " tokens; the model's context is " + contextLength());
        // Per-row values only (B of them); every [B, T] tensor is built by bulk row copies or by libtorch itself.
        List<int[]> tokenRows = new ArrayList<>(b);
        List<float[]> tokenWeights = new ArrayList<>(b);
        int[] at = new int[b], completion = new int[b];
        float[] rowWeight = new float[b];
        int count = 0;
        for (int r = 0; r < b; r++) {
            TrainSequence s = rows.get(r);
            tokenRows.add(s.tokens());
            tokenWeights.add(s.tokenWeights());
            at[r] = s.completionStart() - 1;
            completion[r] = s.completionLength();
            rowWeight[r] = s.weight();
            count += s.completionLength();
        }
        NDManager m = manager;
        NDArray tokens = PaddedRows.ints(m, tokenRows, t, tokenizer.padId()).toType(DataType.INT64, false);
        NDArray positions = m.arange(0, t, 1, DataType.INT64).reshape(1, t).repeat(0, b);
        // 1 where a completion token is predicted: targets are 0 and weights 0 elsewhere (prompt and padding).
        NDArray predicted = PaddedRows.floats(m, java.util.Collections.nCopies(b, new float[0]), at, completion, t - 1);
        NDArray targets = tokens.get(new NDIndex(":, 1:")).mul(predicted.toType(DataType.INT64, false)).reshape(b, t - 1, 1);
        NDArray weights = PaddedRows.floats(m, tokenWeights, at, completion, t - 1).mul(NativeArrays.of(m, rowWeight, new Shape(b, 1)));
        return new Packed(tokens, positions, m.ones(new Shape(b, t)), targets, weights, b, t, count);
    }

    /** log p(token[j+1] | tokens[..j]) for every row and position j, shape [B, T-1]. */
    private NDArray tokenLogprobs(Packed p, boolean training) {
        NDArray logits = model.forward(p.tokens(), p.positions(), p.keyMask(), null, 0, training);
        NDArray lp = logits.get(new NDIndex(":, :-1, :")).logSoftmax(-1);
        return lp.gather(p.targets(), 2).reshape(p.rows(), p.length() - 1);
    }

    // ---------------------------------------------------------------- training

    @Override
    public StepMetrics train(TrainBatch batch) {
        int tokens = 0;
        for (TrainSequence s : batch.sequences()) {
            checkTokens("training row", s.tokens(), false);
            tokens += s.completionLength();
        }
        kernels.prepare(batch.objective());
        List<NDArray> params = model.trainableParameters();
        double loss = 0;
        Map<String, Double> monitors = new TreeMap<>();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<TrainSequence> all = batch.sequences();
            for (int start = 0; start < all.size(); start += batch.microBatchSize()) {
                List<TrainSequence> micro = all.subList(start, Math.min(all.size(), start + batch.microBatchSize()));
                try (NDScope step = new NDScope()) {
                    step.suppressNotUsedWarning();
                    JniUtils.setGradMode(true);
                    Packed p = pack(micro);
                    // The objective's kernel normalises by the whole batch, so accumulation equals one big batch.
                    NDArray logits = model.forward(p.tokens(), p.positions(), p.keyMask(), null, 0, true).get(new NDIndex(":, :-1, :"));
                    KernelResult r = kernels.loss(KernelBatch.of(logits, p.targets(), micro, p.length(), manager, tokens, all.size()), batch.objective());
                    NDArray l = r.loss();
                    JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
                    loss += l.getFloat();
                    double share = micro.size() / (double) all.size();
                    r.monitors().forEach((k, v) -> monitors.merge(k, v * share, Double::sum));
                } finally {
                    JniUtils.setGradMode(false);
                }
            }
            double norm = optimizer.update(params, batch.learningRate());
            return new StepMetrics(loss, norm, batch.learningRate(), tokens, monitors);
        }
    }

    // ---------------------------------------------------------------- weights

    /** Forgets the optimizer's moments, as after weights were overwritten from outside (a weight sync). */
    public void resetOptimizer() {
        optimizer.reset();
    }

    @Override
    public void save(Path dir) {
        Checkpoints.save(this, dir);
    }

    @Override
    public DjlEngine fork() {
        NDManager target = NDManager.newBaseManager();
        DjlEngine copy = new DjlEngine(tokenizer, options, target, model.copyTo(target));
        copy.baseModelName = baseModelName;
        copy.kernels.close();
        copy.kernels = kernels.retain();
        return copy;
    }

    /** Native arrays this engine holds (weights, optimizer state, adapters): steady between calls unless something leaks. */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        kernels.close();
        optimizer.reset();
        model.close();
        manager.close();
    }
}
