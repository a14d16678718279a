package io.autodidact.engine.remote;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.autodidact.engine.Generation;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.TrainBatch;
import io.autodidact.worker.WorkerProtocol;
import java.nio.file.Path;
import java.util.List;

/**
 * A policy that lives on workers: the trainer worker holds its authoritative weights (train, logprobs, save and fork
 * run there); generation is spread over the generation workers, each of which loads the policy on first use and
 * receives the trainer's weights (streamed, set-weights) before it samples from a newer version than it holds. The
 * tokenizer stays local, so prompts are encoded and texts read here as with the in-process engine.
 */
public final class RemoteEngine implements PolicyEngine {
    private final RemoteEngineFactory factory;
    private final WorkerPool pool;
    private final String id;
    private final ObjectNode source;
    private final long sourceVersion;
    private final Tokenizer tokenizer;
    private final boolean ownsTokenizer;
    private final int context;
    private volatile long version;
    private boolean closed;

    /** Holds one of {@code factory}'s leases on {@code pool}, given back by {@link #close}. */
    RemoteEngine(RemoteEngineFactory factory, WorkerPool pool, String id, ObjectNode source, long sourceVersion, long version, Tokenizer tokenizer,
            boolean ownsTokenizer, int context) {
        this.factory = factory;
        this.pool = pool;
        this.id = id;
        this.source = source;
        this.sourceVersion = sourceVersion;
        this.version = version;
        this.tokenizer = tokenizer;
        this.ownsTokenizer = ownsTokenizer;
        this.context = context;
    }

    /** The model's name on the workers. */
    public String id() {
        return id;
    }

    /** How a worker that lacks the policy loads it (then syncs weights when {@link #version()} differs). */
    ObjectNode source() {
        return source;
    }

    /** The weights version a fresh load of {@link #source()} gives. */
    long sourceVersion() {
        return sourceVersion;
    }

    /** The version of the weights the trainer holds; changes with every training step. */
    public long version() {
        return version;
    }

    void version(long value) {
        version = value;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int contextLength() {
        return context;
    }

    @Override
    public List<Generation> generate(List<int[]> prompts, SamplingParams params) {
        return pool.generate(this, prompts, params);
    }

    @Override
    public StepMetrics train(TrainBatch batch) {
        return pool.train(this, batch);
    }

    @Override
    public List<float[]> logprobs(List<int[]> prompts, List<int[]> completions) {
        if (prompts.size() != completions.size())
            throw new IllegalArgumentException("logprobs: " + prompts.size() + " prompts but " + completions.size() + " completions");
        return pool.logprobs(this, prompts, completions);
    }

    @Override
    public double[] selfCertainty(List<int[]> prompts, List<int[]> completions) {
        if (prompts.size() != completions.size())
            throw new IllegalArgumentException("selfCertainty: " + prompts.size() + " prompts but " + completions.size() + " completions");
        if (prompts.isEmpty()) return new double[0];
        return pool.selfCertainty(this, prompts, completions);
    }

    /** Saves on the trainer worker: {@code dir} must be on storage the worker and this process share. */
    @Override
    public void save(Path dir) {
        pool.onTrainer("save-checkpoint", WorkerProtocol.object().put("model", id).put("path", dir.toAbsolutePath().toString()), id,
                600_000);
    }

    @Override
    public RemoteEngine fork() {
        String into = pool.newModelId();
        pool.onTrainer("fork-model", WorkerProtocol.object().put("model", id).put("into", into), id, 600_000);
        pool.loaded(pool.trainer(), into, version);
        factory.acquire();
        return new RemoteEngine(factory, pool, into, source, sourceVersion, version, tokenizer, false, context);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            pool.unload(id);
        } finally {
            if (ownsTokenizer) tokenizer.close();
            factory.release();
        }
    }
}
