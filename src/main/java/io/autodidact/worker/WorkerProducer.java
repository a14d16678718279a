package io.autodidact.worker;

import static io.autodidact.worker.WorkerProtocol.integer;
import static io.autodidact.worker.WorkerProtocol.invalid;
import static io.autodidact.worker.WorkerProtocol.number;
import static io.autodidact.worker.WorkerProtocol.object;
import static io.autodidact.worker.WorkerProtocol.parse;
import static io.autodidact.worker.WorkerProtocol.requireKeys;
import static io.autodidact.worker.WorkerProtocol.requireSchema;
import static io.autodidact.worker.WorkerProtocol.text;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.autodidact.engine.CharTokenizer;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.Generation;
import io.autodidact.engine.Objective;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.engine.djl.LoraConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.complex.ListVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM worker's side of the protocol: named models (in-process DJL engines) that it loads, forks, trains, samples
 * from, scores with, saves and overwrites on request. Every computation runs on one thread of its own, one at a time:
 * an engine is not thread-safe, and libtorch keeps state per thread (grad mode, the OpenMP team, malloc arenas) that a
 * computation landing on whichever Flight executor thread took the call would set up again, or miss. {@code health} and
 * {@code worker-info} answer on the executor while one runs, which is how a supervisor tells busy from stalled.
 */
final class WorkerProducer extends NoOpFlightProducer {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerProducer.class);
    /**
     * Finished samples are sent when this many are waiting, or when {@link #FLUSH_NANOS} passed since the last batch:
     * every message costs the worker a wake-up of the event loop and the client a decode, so small batches sent one by one
     * cost more than the rows in them on a small model, while a stream that sends at least every 25 ms still delivers
     * (and keeps, should the worker die) nearly everything it finished.
     */
    static final int FLUSH_ROWS = 256;
    static final long FLUSH_NANOS = 25_000_000;
    /** Weight chunks carry at most this many bytes of one tensor. */
    static final int WEIGHT_CHUNK_BYTES = 4 << 20;

    private final BufferAllocator allocator;
    private final EngineOptions options;
    private final Runnable shutdown;
    private final String instance = UUID.randomUUID().toString();
    private final long startNanos = System.nanoTime();
    private final Map<String, DjlEngine> models = new ConcurrentHashMap<>();
    private final ExecutorService compute = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("worker-compute").daemon().factory());
    /** Computations submitted and not finished: {@code health}'s {@code busy}. */
    private final AtomicInteger computing = new AtomicInteger();
    /** train-stream's last step per engine (so a model replaced under the same id starts afresh); on the compute thread only. */
    private final Map<DjlEngine, AppliedStep> appliedSteps = new WeakHashMap<>();

    WorkerProducer(BufferAllocator allocator, EngineOptions options, Runnable shutdown) {
        this.allocator = allocator;
        this.options = options;
        this.shutdown = shutdown;
    }

    /** Thrown from the sampling loop when the client went away, so a cancelled request frees the worker at once. */
    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("the client cancelled the request", null, false, false);
        }
    }

    /** Frees every model's weights and stops the compute thread. */
    void close() {
        compute.shutdownNow();
        models.values().forEach(DjlEngine::close);
        models.clear();
    }

    // ------------------------------------------------------------------ actions

    @Override
    public void listActions(CallContext context, StreamListener<ActionType> listener) {
        for (String a : WorkerProtocol.ACTIONS) listener.onNext(new ActionType(a, "see flight/worker-protocol.md"));
        listener.onCompleted();
    }

    @Override
    public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
        try {
            ObjectNode body = parse(action.getBody(), action.getType());
            ObjectNode answer = switch (action.getType()) {
                case "worker-info" -> info();
                case "health" -> health();
                case "load-model" -> computed(() -> load(body));
                case "fork-model" -> computed(() -> fork(body));
                case "unload-model" -> computed(() -> unload(body));
                case "save-checkpoint" -> computed(() -> save(body));
                case "set-weights" -> computed(() -> setWeightsFromPath(body));
                case "shutdown" -> {
                    Thread.ofPlatform().daemon().start(shutdown);
                    yield object().put("status", "shutting down");
                }
                default -> throw CallStatus.UNIMPLEMENTED.withDescription("no action '" + action.getType() + "' in worker protocol "
                        + WorkerProtocol.VERSION + "; actions are " + WorkerProtocol.ACTIONS + " (flight/worker-protocol.md)").toRuntimeException();
            };
            listener.onNext(new Result(WorkerProtocol.bytes(answer)));
            listener.onCompleted();
        } catch (RuntimeException e) {
            listener.onError(status(e, action.getType()));
        }
    }

    private interface Work<T> {
        T run();
    }

    /** Runs {@code work} on the compute thread, after any computation before it, and returns its result or throws its exception. */
    private <T> T computed(Work<T> work) {
        computing.incrementAndGet();
        Future<T> result;
        try {
            result = compute.submit(() -> {
                try {
                    return work.run();
                } finally {
                    computing.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            computing.decrementAndGet();
            throw CallStatus.UNAVAILABLE.withDescription("the worker is shutting down").toRuntimeException();
        }
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CallStatus.CANCELLED.withDescription("interrupted while waiting for the worker's computation").toRuntimeException();
        }
    }

    private ObjectNode info() {
        ObjectNode o = object();
        o.put("protocol_version", WorkerProtocol.VERSION);
        o.put("worker", "autodidact-jvm");
        o.put("instance", instance);
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getInstance();
        o.put("device", engine.defaultDevice().toString());
        o.put("engine", engine.getEngineName() + " " + engine.getVersion());
        o.put("threads", options.threads());
        o.put("cores", Runtime.getRuntime().availableProcessors());
        Runtime rt = Runtime.getRuntime();
        o.put("jvm_free_bytes", rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()));
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            o.put("system_free_bytes", os.getFreeMemorySize());
        ArrayNode list = o.putArray("models");
        models.forEach((id, e) -> list.add(describe(id, e)));
        return o;
    }

    private ObjectNode health() {
        return object().put("status", "ok").put("instance", instance).put("busy", computing.get() > 0).put("models", models.size())
                .put("uptime_s", (System.nanoTime() - startNanos) / 1e9);
    }

    private static ObjectNode describe(String id, DjlEngine e) {
        var c = e.model().config();
        ObjectNode o = object().put("model", id).put("parameters", c.parameterCount()).put("context", e.contextLength())
                .put("vocab_size", c.vocabSize()).put("lora", e.lora().isPresent());
        return o;
    }

    private DjlEngine model(ObjectNode body, String key, String what) {
        String id = text(body, key, what);
        DjlEngine e = models.get(id);
        if (e == null)
            throw CallStatus.NOT_FOUND.withDescription(what + ": no model '" + id + "' on this worker (it holds " + models.keySet()
                    + "); load it with load-model").toRuntimeException();
        return e;
    }

    private ObjectNode load(ObjectNode body) {
        String what = "load-model";
        requireKeys(body, Set.of("model", "path", "config", "lora", "replace"), what);
        String id = text(body, "model", what);
        if (models.containsKey(id) && !body.path("replace").asBoolean(false))
            throw CallStatus.ALREADY_EXISTS.withDescription(what + ": model '" + id + "' is already loaded; unload-model it first or send"
                    + " \"replace\": true").toRuntimeException();
        if (body.has("path") == body.has("config"))
            throw invalid(what + ": give exactly one of \"path\" (a model directory) and \"config\" (a fresh built-in model)");
        Optional<LoraConfig> lora = WorkerProtocol.lora(body.get("lora"), what);
        DjlEngineFactory factory = new DjlEngineFactory(options, lora);
        DjlEngine engine;
        try {
            if (body.has("path")) {
                Path dir = Path.of(text(body, "path", what));
                if (!Files.isDirectory(dir))
                    throw invalid(what + ": \"path\" " + dir + " is not a directory on this worker; give a model directory the worker can"
                            + " read (shared storage)");
                engine = (DjlEngine) factory.load(dir);
            } else {
                if (!(body.get("config") instanceof ObjectNode c)) throw invalid(what + ": \"config\" must be an object");
                requireKeys(c, Set.of("hidden", "layers", "heads", "kv_heads", "context", "seed", "alphabet"), what + ".config");
                var shape = new EngineFactory.ModelShape(integer(c, "hidden", 64, what), integer(c, "layers", 2, what),
                        integer(c, "heads", 4, what), integer(c, "kv_heads", 4, what), integer(c, "context", 64, what));
                engine = (DjlEngine) factory.create(shape, new CharTokenizer(text(c, "alphabet", what + ".config")), c.path("seed").asLong(0));
            }
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw invalid(what + ": " + e.getMessage());
        }
        DjlEngine old = models.put(id, engine);
        if (old != null) old.close();
        LOG.info("loaded model {} ({} parameters)", id, engine.model().config().parameterCount());
        return describe(id, engine);
    }

    private ObjectNode fork(ObjectNode body) {
        requireKeys(body, Set.of("model", "into"), "fork-model");
        DjlEngine source = model(body, "model", "fork-model");
        String into = text(body, "into", "fork-model");
        if (models.containsKey(into))
            throw CallStatus.ALREADY_EXISTS.withDescription("fork-model: model '" + into + "' already exists; unload-model it first").toRuntimeException();
        DjlEngine copy = source.fork();
        models.put(into, copy);
        return describe(into, copy);
    }

    private ObjectNode unload(ObjectNode body) {
        requireKeys(body, Set.of("model"), "unload-model");
        DjlEngine e = models.remove(text(body, "model", "unload-model"));
        if (e != null) e.close();
        return object().put("unloaded", e != null);
    }

    private ObjectNode save(ObjectNode body) {
        requireKeys(body, Set.of("model", "path"), "save-checkpoint");
        DjlEngine e = model(body, "model", "save-checkpoint");
        Path dir = Path.of(text(body, "path", "save-checkpoint"));
        e.save(dir);
        return object().put("path", dir.toAbsolutePath().toString());
    }

    /** set-weights from shared storage: the model becomes the checkpoint's weights (its optimizer starts afresh). */
    private ObjectNode setWeightsFromPath(ObjectNode body) {
        requireKeys(body, Set.of("model", "path"), "set-weights");
        DjlEngine current = model(body, "model", "set-weights");
        Path dir = Path.of(text(body, "path", "set-weights"));
        if (!Files.isDirectory(dir)) throw invalid("set-weights: \"path\" " + dir + " is not a directory on this worker");
        DjlEngine fresh = (DjlEngine) new DjlEngineFactory(options, current.lora()).load(dir);
        models.put(text(body, "model", "set-weights"), fresh);
        current.close();
        return object().put("path", dir.toAbsolutePath().toString());
    }

    // ------------------------------------------------------------------ exchanges

    @Override
    public void doExchange(CallContext context, FlightStream reader, ServerStreamListener listener) {
        String op = "exchange";
        try {
            if (!reader.getDescriptor().isCommand())
                throw invalid("DoExchange: the descriptor must be a command holding JSON {\"op\": \"generate\" | \"logprobs\" | \"self-certainty\" | \"train\" | \"train-stream\" | \"echo\", ...}");
            ObjectNode body = parse(reader.getDescriptor().getCommand(), "DoExchange descriptor");
            op = text(body, "op", "DoExchange descriptor");
            switch (op) {
                case "generate" -> generate(body, reader, listener);
                case "logprobs" -> logprobs(body, reader, listener);
                case "self-certainty" -> selfCertainty(body, reader, listener);
                case "train" -> train(body, reader, listener);
                case "train-stream" -> trainStream(body, reader, listener);
                case "echo" -> echo(body, reader, listener);
                default -> throw CallStatus.UNIMPLEMENTED.withDescription("no exchange '" + op + "' in worker protocol " + WorkerProtocol.VERSION
                        + "; exchanges are " + WorkerProtocol.EXCHANGES).toRuntimeException();
            }
        } catch (Cancelled c) {
            LOG.info("{} cancelled by the client", op);
        } catch (RuntimeException e) {
            listener.error(status(e, op));
        }
    }

    private void generate(ObjectNode body, FlightStream reader, ServerStreamListener listener) {
        requireKeys(body, Set.of("op", "model", "sampling"), "generate");
        SamplingParams params = WorkerProtocol.sampling(body.get("sampling"), "generate");
        List<int[]> prompts = new ArrayList<>();
        List<Integer> promptIndex = new ArrayList<>(), sampleIndex = new ArrayList<>();
        requireSchema(reader.getSchema(), WorkerProtocol.GENERATE_REQUEST, "generate request");
        while (reader.next()) {
            VectorSchemaRoot in = reader.getRoot();
            IntVector p = (IntVector) in.getVector(0), s = (IntVector) in.getVector(1);
            ListVector tokens = (ListVector) in.getVector(2);
            for (int i = 0; i < in.getRowCount(); i++) {
                promptIndex.add(p.get(i));
                sampleIndex.add(s.get(i));
                prompts.add(Columns.ints(tokens, i));
            }
        }
        if (prompts.isEmpty()) throw invalid("generate: the request has no rows; send at least one (prompt_index, sample_index, prompt_tokens)");
        try (VectorSchemaRoot out = VectorSchemaRoot.create(WorkerProtocol.ROLLOUT, allocator)) {
            listener.start(out);
            listener.setUseZeroCopy(true); // each flush fills fresh buffers (RolloutBatches.write): the sent ones are never reused
            List<Generation> pending = new ArrayList<>();
            long[] lastFlush = {System.nanoTime()};
            computed(() -> {
                DjlEngine engine = model(body, "model", "generate");
                try {
                    engine.generateRows(prompts, promptIndex.stream().mapToInt(Integer::intValue).toArray(),
                            sampleIndex.stream().mapToInt(Integer::intValue).toArray(), params, g -> {
                                if (listener.isCancelled()) throw new Cancelled();
                                pending.add(g);
                                long now = System.nanoTime();
                                if (pending.size() >= FLUSH_ROWS || now - lastFlush[0] >= FLUSH_NANOS) {
                                    flushRollouts(pending, out, listener);
                                    lastFlush[0] = now;
                                }
                            });
                } catch (IllegalArgumentException e) {
                    throw invalid("generate: " + e.getMessage());
                }
                return null;
            });
            if (!pending.isEmpty()) flushRollouts(pending, out, listener);
            listener.completed();
        }
    }

    private static void flushRollouts(List<Generation> rows, VectorSchemaRoot out, ServerStreamListener listener) {
        RolloutBatches.write(rows, out);
        listener.putNext();
        rows.clear();
    }

    /**
     * {@code {"op": "echo"}}: every batch goes back as it came, in any schema, handed over without a copy; the transfer path
     * alone, without a model (what {@code bench workers} measures as exchange throughput).
     */
    private void echo(ObjectNode body, FlightStream reader, ServerStreamListener listener) {
        requireKeys(body, Set.of("op"), "echo");
        try (VectorSchemaRoot out = VectorSchemaRoot.create(reader.getSchema(), allocator)) {
            VectorLoader loader = new VectorLoader(out);
            listener.start(out);
            listener.setUseZeroCopy(true); // each batch is loaded into new buffers: the sent ones are never reused
            while (reader.next()) {
                try (ArrowRecordBatch batch = new VectorUnloader(reader.getRoot()).getRecordBatch()) {
                    loader.load(batch);
                }
                listener.putNext();
            }
            listener.completed();
        }
    }

    /** The rows of a logprobs or self-certainty request: (row index, prompt, completion). */
    private record ScoringRows(List<Integer> rows, List<int[]> prompts, List<int[]> completions) {}

    private ScoringRows scoringRows(ObjectNode body, FlightStream reader, String op) {
        requireKeys(body, Set.of("op", "model"), op);
        requireSchema(reader.getSchema(), WorkerProtocol.LOGPROBS_REQUEST, op + " request");
        List<Integer> rows = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        while (reader.next()) {
            VectorSchemaRoot in = reader.getRoot();
            IntVector r = (IntVector) in.getVector(0);
            for (int i = 0; i < in.getRowCount(); i++) {
                rows.add(r.get(i));
                prompts.add(Columns.ints((ListVector) in.getVector(1), i));
                completions.add(Columns.ints((ListVector) in.getVector(2), i));
            }
        }
        if (rows.isEmpty()) throw invalid(op + ": the request has no rows");
        return new ScoringRows(rows, prompts, completions);
    }

    private void logprobs(ObjectNode body, FlightStream reader, ServerStreamListener listener) {
        ScoringRows in = scoringRows(body, reader, "logprobs");
        List<float[]> result = computed(() -> {
            try {
                return model(body, "model", "logprobs").logprobs(in.prompts(), in.completions());
            } catch (IllegalArgumentException e) {
                throw invalid("logprobs: " + e.getMessage());
            }
        });
        try (VectorSchemaRoot out = VectorSchemaRoot.create(WorkerProtocol.LOGPROBS_RESULT, allocator)) {
            listener.start(out);
            out.allocateNew();
            IntVector r = (IntVector) out.getVector(0);
            for (int i = 0; i < in.rows().size(); i++) r.setSafe(i, in.rows().get(i));
            Columns.setFloats((ListVector) out.getVector(1), result);
            out.setRowCount(in.rows().size());
            listener.putNext();
            listener.completed();
        }
    }

    private void selfCertainty(ObjectNode body, FlightStream reader, ServerStreamListener listener) {
        ScoringRows in = scoringRows(body, reader, "self-certainty");
        double[] result = computed(() -> {
            try {
                return model(body, "model", "self-certainty").selfCertainty(in.prompts(), in.completions());
            } catch (IllegalArgumentException e) {
                throw invalid("self-certainty: " + e.getMessage());
            }
        });
        try (VectorSchemaRoot out = VectorSchemaRoot.create(WorkerProtocol.SELF_CERTAINTY_RESULT, allocator)) {
            listener.start(out);
            out.allocateNew();
            IntVector r = (IntVector) out.getVector(0);
            org.apache.arrow.vector.Float8Vector c = (org.apache.arrow.vector.Float8Vector) out.getVector(1);
            for (int i = 0; i < in.rows().size(); i++) {
                r.setSafe(i, in.rows().get(i));
                c.setSafe(i, result[i]);
            }
            out.setRowCount(in.rows().size());
            listener.putNext();
            listener.completed();
        }
    }

    private void train(ObjectNode body, FlightStream reader, ServerStreamListener listener) {
        requireKeys(body, Set.of("op", "model", "learning_rate", "micro_batch_size", "objective"), "train");
        Objective objective = WorkerProtocol.objective(body.get("objective"), "train");
        requireSchema(reader.getSchema(), WorkerProtocol.TRAIN_REQUEST, "train request");
        List<TrainSequence> rows = new ArrayList<>();
        while (reader.next()) readTrainRows(reader.getRoot(), rows, "train");
        TrainBatch batch = trainBatch(rows, body, objective, "train");
        StepMetrics m = computed(() -> {
            try {
                return model(body, "model", "train").train(batch);
            } catch (IllegalArgumentException e) {
                throw invalid("train: " + e.getMessage());
            }
        });
        try (VectorSchemaRoot out = VectorSchemaRoot.create(WorkerProtocol.TRAIN_RESULT, allocator)) {
            listener.start(out);
            writeStepMetrics(m, out);
            listener.putNext();
            listener.completed();
        }
    }

    /** The last step a model applied through {@code train-stream}, so that the same step sent again is answered, not applied twice. */
    private record AppliedStep(long step, StepMetrics metrics) {}

    /**
     * {@code {"op": "train-stream", "model": id}}: one optimizer step per batch, each answered by its metrics, over one
     * call that stays open between steps. A {@code train} call per step paid a new stream each time (headers, auth, both
     * schemas, trailers, a wake-up of every thread on the way), which on a small model cost more than a tenth of the step.
     * Each batch's app metadata carries the step's id and parameters; a step whose id is the last one the model applied
     * (its answer was lost with a broken stream, and the client sent it again on a new one) is answered again, not applied.
     */
    private void trainStream(ObjectNode body, FlightStream reader, ServerStreamListener listener) {
        requireKeys(body, Set.of("op", "model"), "train-stream");
        text(body, "model", "train-stream");
        requireSchema(reader.getSchema(), WorkerProtocol.TRAIN_REQUEST, "train-stream request");
        try (VectorSchemaRoot out = VectorSchemaRoot.create(WorkerProtocol.TRAIN_RESULT, allocator)) {
            listener.start(out);
            while (reader.next()) {
                ArrowBuf metadata = reader.getLatestMetadata();
                if (metadata == null)
                    throw invalid("train-stream: a batch came without its step in the app metadata; send {\"step\", \"learning_rate\","
                            + " \"micro_batch_size\", \"objective\"} with every batch");
                byte[] json = new byte[Math.toIntExact(metadata.readableBytes())];
                metadata.getBytes(metadata.readerIndex(), json);
                ObjectNode step = parse(json, "train-stream step metadata");
                requireKeys(step, Set.of("step", "learning_rate", "micro_batch_size", "objective"), "train-stream step");
                if (!step.path("step").isIntegralNumber())
                    throw invalid("train-stream step: \"step\" (an integer id, new for every step) is required");
                long id = step.get("step").asLong();
                List<TrainSequence> rows = new ArrayList<>();
                readTrainRows(reader.getRoot(), rows, "train-stream");
                TrainBatch batch = trainBatch(rows, step, WorkerProtocol.objective(step.get("objective"), "train-stream"), "train-stream");
                StepMetrics m = computed(() -> {
                    DjlEngine engine = model(body, "model", "train-stream");
                    AppliedStep last = appliedSteps.get(engine);
                    if (last != null && last.step() == id) return last.metrics();
                    try {
                        StepMetrics done = engine.train(batch);
                        appliedSteps.put(engine, new AppliedStep(id, done));
                        return done;
                    } catch (IllegalArgumentException e) {
                        throw invalid("train-stream: step " + id + ": " + e.getMessage());
                    }
                });
                writeStepMetrics(m, out);
                listener.putNext();
            }
            listener.completed();
        }
    }

    private static void readTrainRows(VectorSchemaRoot in, List<TrainSequence> rows, String op) {
        IntVector start = (IntVector) in.getVector(1);
        Float4Vector weight = (Float4Vector) in.getVector(2);
        for (int i = 0; i < in.getRowCount(); i++) {
            try {
                rows.add(new TrainSequence(Columns.ints((ListVector) in.getVector(0), i), start.get(i), weight.get(i),
                        Columns.floats((ListVector) in.getVector(3), i), Columns.floats((ListVector) in.getVector(4), i),
                        Columns.floats((ListVector) in.getVector(5), i), ((BitVector) in.getVector(6)).get(i) == 1,
                        ((Float4Vector) in.getVector(7)).get(i)));
            } catch (IllegalArgumentException e) {
                throw invalid(op + ": row " + rows.size() + ": " + e.getMessage());
            }
        }
    }

    /** The step's batch from its rows and the parameters in {@code params} (the train descriptor, or a train-stream step). */
    private static TrainBatch trainBatch(List<TrainSequence> rows, ObjectNode params, Objective objective, String op) {
        try {
            return new TrainBatch(rows, number(params, "learning_rate", Double.NaN, op),
                    integer(params, "micro_batch_size", Math.max(1, rows.size()), op), objective);
        } catch (IllegalArgumentException e) {
            throw invalid(op + ": " + e.getMessage());
        }
    }

    private static void writeStepMetrics(StepMetrics m, VectorSchemaRoot out) {
        out.allocateNew();
        ((Float8Vector) out.getVector(0)).setSafe(0, m.loss());
        ((Float8Vector) out.getVector(1)).setSafe(0, m.gradNorm());
        ((Float8Vector) out.getVector(2)).setSafe(0, m.learningRate());
        ((IntVector) out.getVector(3)).setSafe(0, m.tokens());
        ObjectNode monitors = object();
        m.monitors().forEach(monitors::put);
        ((VarCharVector) out.getVector(4)).setSafe(0, WorkerProtocol.bytes(monitors));
        out.setRowCount(1);
    }

    // ------------------------------------------------------------------ weights

    /** DoGet {@code {"op": "get-weights", "model": id}}: every weight, in chunks (schema {@link WorkerProtocol#WEIGHTS}). */
    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
        try {
            ObjectNode body = parse(ticket.getBytes(), "DoGet ticket");
            requireKeys(body, Set.of("op", "model"), "get-weights");
            if (!"get-weights".equals(body.path("op").asText()))
                throw CallStatus.UNIMPLEMENTED.withDescription("DoGet serves only {\"op\": \"get-weights\", \"model\": ...}").toRuntimeException();
            try (VectorSchemaRoot out = VectorSchemaRoot.create(WorkerProtocol.WEIGHTS, allocator)) {
                listener.start(out);
                computed(() -> {
                    DjlEngine e = model(body, "model", "get-weights");
                    for (var w : e.model().trainableWeights().entrySet()) {
                        byte[] bytes = w.getValue().toByteArray();
                        long[] shape = w.getValue().getShape().getShape();
                        for (int off = 0; off < bytes.length || off == 0; off += WEIGHT_CHUNK_BYTES) {
                            int len = Math.min(WEIGHT_CHUNK_BYTES, bytes.length - off);
                            out.allocateNew();
                            ((VarCharVector) out.getVector(0)).setSafe(0, w.getKey().getBytes(StandardCharsets.UTF_8));
                            ListVector shapeList = (ListVector) out.getVector(1);
                            shapeList.startNewValue(0);
                            BigIntVector dims = (BigIntVector) shapeList.getDataVector();
                            for (int d = 0; d < shape.length; d++) dims.setSafe(d, shape[d]);
                            dims.setValueCount(shape.length);
                            shapeList.endValue(0, shape.length);
                            ((BigIntVector) out.getVector(2)).setSafe(0, off / 4);
                            ((VarBinaryVector) out.getVector(3)).setSafe(0, bytes, off, len);
                            out.setRowCount(1);
                            listener.putNext();
                            if (bytes.length == 0) break;
                        }
                    }
                    return null;
                });
                listener.completed();
            }
        } catch (RuntimeException e) {
            listener.error(status(e, "get-weights"));
        }
    }

    /**
     * DoPut {@code {"op": "set-weights", "model": id}} with {@link WorkerProtocol#WEIGHTS} batches: each tensor is
     * written when all its elements have arrived; the put fails unless every weight of the model arrived whole.
     */
    @Override
    public Runnable acceptPut(CallContext context, FlightStream stream, StreamListener<PutResult> ack) {
        return () -> {
            try {
                if (!stream.getDescriptor().isCommand()) throw invalid("DoPut: the descriptor must be a command {\"op\": \"set-weights\", \"model\": ...}");
                ObjectNode body = parse(stream.getDescriptor().getCommand(), "DoPut descriptor");
                requireKeys(body, Set.of("op", "model"), "set-weights");
                if (!"set-weights".equals(body.path("op").asText()))
                    throw CallStatus.UNIMPLEMENTED.withDescription("DoPut accepts only {\"op\": \"set-weights\", \"model\": ...}").toRuntimeException();
                requireSchema(stream.getSchema(), WorkerProtocol.WEIGHTS, "set-weights");
                long bytes = computed(() -> receiveWeights(model(body, "model", "set-weights"), stream));
                try (PutResult result = PutResult.metadata(metadata(object().put("bytes", bytes)))) {
                    ack.onNext(result);
                }
                ack.onCompleted();
            } catch (RuntimeException e) {
                ack.onError(status(e, "set-weights"));
            }
        };
    }

    private ArrowBuf metadata(ObjectNode body) {
        byte[] b = WorkerProtocol.bytes(body);
        ArrowBuf buf = allocator.buffer(b.length);
        buf.writeBytes(b);
        return buf;
    }

    private long receiveWeights(DjlEngine engine, FlightStream stream) {
        var weights = engine.model().trainableWeights();
        Map<String, ByteBuffer> filling = new HashMap<>();
        Map<String, Long> received = new HashMap<>();
        long total = 0;
        while (stream.next()) {
            VectorSchemaRoot in = stream.getRoot();
            VarCharVector names = (VarCharVector) in.getVector(0);
            BigIntVector offsets = (BigIntVector) in.getVector(2);
            VarBinaryVector data = (VarBinaryVector) in.getVector(3);
            for (int i = 0; i < in.getRowCount(); i++) {
                String name = new String(names.get(i), StandardCharsets.UTF_8);
                var target = weights.get(name);
                if (target == null)
                    throw invalid("set-weights: the model has no weight '" + name + "'; send the names get-weights lists" + (engine.lora().isPresent()
                            ? " (it has LoRA adapters: only they are set, e.g. " + weights.firstEntry().getKey() + ", from a model loaded"
                              + " with the same lora)" : ""));
                long size = target.getShape().size();
                long offset = offsets.get(i);
                int start = data.getStartOffset(i), len = data.getEndOffset(i) - start;
                if (len % 4 != 0 || offset < 0 || offset + len / 4 > size)
                    throw invalid("set-weights: chunk of '" + name + "' at element " + offset + " with " + len + " bytes does not fit its "
                            + size + " float32 elements");
                ByteBuffer buf = filling.computeIfAbsent(name, k -> ByteBuffer.allocateDirect(Math.toIntExact(size * 4)).order(ByteOrder.LITTLE_ENDIAN));
                // One bulk copy from the Arrow buffer into the tensor's staging buffer.
                buf.put(Math.toIntExact(offset * 4), data.getDataBuffer().nioBuffer(start, len), 0, len);
                long got = received.merge(name, (long) len / 4, Long::sum);
                total += len;
                if (got == size) {
                    target.set(buf.rewind());
                    filling.remove(name);
                }
            }
        }
        for (var w : weights.entrySet()) {
            long got = received.getOrDefault(w.getKey(), 0L);
            if (got != w.getValue().getShape().size())
                throw invalid("set-weights: weight '" + w.getKey() + "' got " + got + " of " + w.getValue().getShape().size()
                        + " elements; send every weight whole (the model now holds a mix: send them again)");
        }
        engine.resetOptimizer();
        return total;
    }

    /** Maps engine and protocol errors to Flight statuses; anything unexpected is INTERNAL with its message. */
    static FlightRuntimeException status(RuntimeException e, String what) {
        if (e instanceof FlightRuntimeException f) return f;
        if (e instanceof IllegalArgumentException) return invalid(what + ": " + e.getMessage());
        if (e instanceof IllegalStateException) return CallStatus.INVALID_ARGUMENT.withDescription(what + ": " + e.getMessage()).toRuntimeException();
        LOG.warn("{} failed", what, e);
        return CallStatus.INTERNAL.withDescription(what + " failed on the worker: " + e).withCause(e).toRuntimeException();
    }
}
