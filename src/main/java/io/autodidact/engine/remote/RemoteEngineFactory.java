package io.autodidact.engine.remote;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.Tokenizer;
import io.autodidact.engine.Tokenizers;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.engine.djl.LoraConfig;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.RunSpec;
import io.autodidact.worker.WorkerProtocol;
import io.autodidact.worker.WorkerServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Makes {@link RemoteEngine}s on a set of workers. The supervised connections ({@link WorkerPool}) open with the first
 * engine and close with the last, so a run holds them exactly as long as it holds a policy. Model directories named
 * here (checkpoints to load or save) must be on storage the workers share with this process.
 */
public final class RemoteEngineFactory implements EngineFactory {
    private static final long LOAD_DEADLINE_MILLIS = 600_000;

    private final RemoteSettings settings;
    private final String token;
    private final Optional<LoraConfig> lora;
    private WorkerPool pool;
    private int engines;
    private List<WorkerStatus> last = List.of();
    private final List<WorkerStatus.Listener> listeners = new CopyOnWriteArrayList<>();

    public RemoteEngineFactory(RemoteSettings settings, String token) {
        this(settings, token, Optional.empty());
    }

    /**
     * With {@code lora}, every policy is loaded on the workers with fresh adapters (as the in-process engine's factory
     * attaches them) and trains only them; weight syncs then move the adapters alone, since every worker loads the same
     * frozen base from the same source.
     */
    public RemoteEngineFactory(RemoteSettings settings, String token, Optional<LoraConfig> lora) {
        if (token == null || token.isBlank())
            throw new IllegalArgumentException("engine.type remote: set " + WorkerServer.TOKEN_ENV + " to the token the workers were started with");
        this.settings = settings;
        this.token = token.strip();
        this.lora = Objects.requireNonNull(lora, "lora: use Optional.empty() to train every weight");
    }

    /** The factory a run config with {@code engine.type: remote} asks for; the token comes from {@code env}. */
    public static RemoteEngineFactory forRun(RunSpec spec, Map<String, String> env) {
        RunSpec.EngineSpec e = spec.engine();
        RemoteSettings settings;
        try {
            settings = new RemoteSettings(e.workers(), e.trainer().orElse(e.workers().isEmpty() ? "" : e.workers().getFirst()), e.chunkRows(),
                    seconds(e.heartbeatSeconds()), seconds(e.workerDeadlineSeconds()), seconds(e.requestDeadlineSeconds()),
                    seconds(e.waitForWorkersSeconds()), e.tlsTrustedCertificates());
        } catch (IllegalArgumentException x) {
            throw ConfigMap.error("engine", x.getMessage());
        }
        Optional<LoraConfig> lora;
        try {
            lora = spec.lora().map(l -> new LoraConfig(l.rank(), l.alpha(), l.dropout(), l.targets()));
        } catch (IllegalArgumentException x) {
            throw ConfigMap.error("lora", x.getMessage());
        }
        String token = env.get(WorkerServer.TOKEN_ENV);
        if (token == null || token.isBlank()) token = env.get(io.autodidact.flight.FlightConfig.TOKEN_ENV);
        if (token == null || token.isBlank())
            throw ConfigMap.error("engine.type", "remote needs the workers' token in the environment variable " + WorkerServer.TOKEN_ENV
                    + " (or " + io.autodidact.flight.FlightConfig.TOKEN_ENV + "); tokens stay out of run configs, which are saved in run directories");
        return new RemoteEngineFactory(settings, token, lora);
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }

    public RemoteSettings settings() {
        return settings;
    }

    synchronized WorkerPool acquire() {
        if (pool == null) pool = new WorkerPool(settings, token, this::changed);
        engines++;
        return pool;
    }

    synchronized void release() {
        if (--engines == 0) {
            last = pool.status();
            pool.close();
            pool = null;
        }
    }

    /** Every worker's state and throughput (the last known ones once no engine is open). */
    @Override
    public synchronized List<WorkerStatus> workers() {
        return pool == null ? last : pool.status();
    }

    @Override
    public Runnable watchWorkers(WorkerStatus.Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void changed(String change, WorkerStatus worker) {
        for (WorkerStatus.Listener l : listeners) l.changed(change, worker);
    }

    @Override
    public PolicyEngine create(ModelShape shape, Tokenizer tokenizer, long seed) {
        if (!(tokenizer instanceof CharTokenizer chars))
            throw new IllegalArgumentException("a fresh remote model needs a character tokenizer (the built-in tasks'); to start from another"
                    + " tokenizer give model.path, a model directory the workers can read");
        ObjectNode config = WorkerProtocol.object().put("hidden", shape.hidden()).put("layers", shape.layers()).put("heads", shape.heads())
                .put("kv_heads", shape.kvHeads()).put("context", shape.context()).put("seed", seed).put("alphabet", chars.alphabet());
        ObjectNode source = WorkerProtocol.object();
        source.set("config", config);
        return open(source, tokenizer, false);
    }

    @Override
    public PolicyEngine load(Path checkpoint) {
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizers.load(checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return open(WorkerProtocol.object().put("path", checkpoint.toAbsolutePath().toString()), tokenizer, true);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private PolicyEngine open(ObjectNode source, Tokenizer tokenizer, boolean ownsTokenizer) {
        lora.ifPresent(l -> source.set("lora", WorkerProtocol.lora(l)));
        WorkerPool p = acquire();
        try {
            String id = p.newModelId();
            p.requireOnTrainer(null, "load-model");
            ObjectNode info = p.trainer().client.action("load-model", source.deepCopy().put("model", id), LOAD_DEADLINE_MILLIS);
            long version = p.newVersion();
            p.loaded(p.trainer(), id, version);
            return new RemoteEngine(this, p, id, source, version, version, tokenizer, ownsTokenizer, info.path("context").asInt());
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }
}
