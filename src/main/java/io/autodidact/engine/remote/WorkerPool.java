package io.autodidact.engine.remote;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.autodidact.engine.Generation;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.worker.WorkerProtocol;
import io.autodidact.worker.WorkerServer;
import io.netty.handler.ssl.NotSslRecordException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLHandshakeException;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers behind remote engines, supervised: a heartbeat ({@code health}) per worker marks it up or down; a down
 * worker's running requests are cancelled and their unfinished samples re-dispatched to the others; a request past its
 * deadline (a straggler) is cancelled and re-dispatched likewise; a worker that answers again rejoins (a restarted one,
 * known by its new instance id, first reloads the models it lost). Samples are keyed by (prompt index, sample index)
 * and the first copy of each wins, so nothing is lost or counted twice whatever fails.
 */
final class WorkerPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    enum State {
        CONNECTING, UP, STALLED, DEAD;

        boolean down() {
            return this == STALLED || this == DEAD;
        }
    }

    /** One worker and what this pool knows of it. */
    static final class Worker {
        final WorkerClient client;
        volatile State state = State.CONNECTING;
        volatile String instance = "";
        volatile String lastError = "";
        volatile boolean everUp;
        /** model id -> the weights version this worker holds. */
        final Map<String, Long> models = new ConcurrentHashMap<>();
        final Set<WorkerClient.Call> inFlight = ConcurrentHashMap.newKeySet();
        final Object modelLock = new Object();
        final AtomicLong rows = new AtomicLong(), tokens = new AtomicLong(), busyNanos = new AtomicLong(), failures = new AtomicLong(),
                redispatched = new AtomicLong(), syncs = new AtomicLong(), syncBytes = new AtomicLong(), syncNanos = new AtomicLong(),
                rejoins = new AtomicLong();

        Worker(WorkerClient client) {
            this.client = client;
        }
    }

    private final RemoteSettings settings;
    private final WorkerStatus.Listener listener;
    private final BufferAllocator allocator = new RootAllocator();
    private final List<Worker> generators = new ArrayList<>();
    private final Worker trainer;
    private final List<Worker> all = new ArrayList<>();
    private final ScheduledThreadPoolExecutor heartbeats;
    private final AtomicLong versions = new AtomicLong();
    private final AtomicLong ids = new AtomicLong();
    private final String session = Long.toHexString(System.nanoTime() & 0xffffffL);

    /** {@code listener} hears every state change, from the first contact on (so also during this constructor). */
    WorkerPool(RemoteSettings settings, String token, WorkerStatus.Listener listener) {
        this.settings = settings;
        this.listener = listener;
        Map<String, Worker> byAddress = new LinkedHashMap<>();
        for (String a : settings.workers()) byAddress.put(a, new Worker(new WorkerClient(a, token, allocator, settings.trustedCertificates())));
        byAddress.computeIfAbsent(settings.trainer(), a -> new Worker(new WorkerClient(a, token, allocator, settings.trustedCertificates())));
        all.addAll(byAddress.values());
        for (String a : settings.workers()) generators.add(byAddress.get(a));
        trainer = byAddress.get(settings.trainer());
        try {
            for (Worker w : all) connect(w);
        } catch (RuntimeException e) {
            for (Worker w : all) w.client.close();
            allocator.close();
            throw e;
        }
        heartbeats = new ScheduledThreadPoolExecutor(all.size(), Thread.ofPlatform().daemon().name("worker-heartbeat-", 0).factory());
        heartbeats.setRemoveOnCancelPolicy(true); // it also times every training step: a step's deadline leaves with its answer
        long period = settings.heartbeat().toMillis();
        for (Worker w : all) heartbeats.scheduleWithFixedDelay(() -> beat(w), period, period, TimeUnit.MILLISECONDS);
    }

    /** The first contact: the worker's protocol version must be ours; an unreachable worker is only down (it may come later). */
    private void connect(Worker w) {
        try {
            ObjectNode info = w.client.action("worker-info", WorkerProtocol.object(), settings.workerDeadline().toMillis());
            int version = info.path("protocol_version").asInt(-1);
            if (version != WorkerProtocol.VERSION)
                throw new IllegalArgumentException("worker " + w.client.address() + " speaks worker protocol " + version + " but this service speaks "
                        + WorkerProtocol.VERSION + "; run workers and the service from the same release");
            w.instance = info.path("instance").asText();
            w.everUp = true;
            moveTo(w, State.UP, "up");
            LOG.info("worker {} up: {} on {} ({} free)", w.client.address(), info.path("worker").asText(), info.path("device").asText(),
                    info.path("system_free_bytes").asLong());
        } catch (FlightRuntimeException e) {
            if (e.status().code() == FlightStatusCode.INVALID_ARGUMENT || e.status().code() == FlightStatusCode.UNAUTHENTICATED)
                throw new IllegalArgumentException("worker " + w.client.address() + " refused this service: " + e.getMessage(), e);
            tlsMismatch(w, e).ifPresent(message -> {
                throw new IllegalArgumentException(message, e);
            });
            w.lastError = e.getMessage();
            LOG.warn("worker {} is not reachable yet: {}", w.client.address(), e.getMessage());
            moveTo(w, downState(e), null);
        }
    }

    /**
     * A worker that is up but speaks the other transport, or presents a certificate the trusted ones do not vouch for,
     * will not get better by waiting: the first contact fails the run with what to change instead of retrying.
     */
    private Optional<String> tlsMismatch(Worker w, FlightRuntimeException e) {
        String worker = "worker " + w.client.address();
        String trusted = "engine.tls.trusted_certificates " + settings.trustedCertificates().map(Path::toString).orElse("");
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotSslRecordException)
                return Optional.of(worker + " does not speak TLS but engine.tls is set: start the worker with --tls-cert and --tls-key"
                        + " (or $" + WorkerServer.TLS_CERT_ENV + " and $" + WorkerServer.TLS_KEY_ENV + "), or remove engine.tls");
            if (t instanceof SSLHandshakeException) {
                boolean untrusted = false;
                for (Throwable c = t; c != null; c = c.getCause()) untrusted |= c instanceof CertificateException;
                return Optional.of(worker + ": TLS handshake failed (" + rootMessage(t) + "): " + (untrusted
                        ? "the certificate it presents is not trusted by " + trusted + "; give the worker's --tls-cert file (or the CA"
                          + " that signed it), and a certificate whose names include the host the run connects to"
                        : "check the worker's --tls-cert and --tls-key (its log) and " + trusted));
            }
        }
        if (settings.trustedCertificates().isEmpty() && e.status().code() == FlightStatusCode.UNAVAILABLE
                && String.valueOf(e.getMessage()).contains("Network closed for unknown reason"))
            return Optional.of(worker + " closed the connection without answering, as a worker serving TLS does to a plain client: if it was"
                    + " started with --tls-cert, set engine.tls: {trusted_certificates: CERT.pem} in the run config");
        return Optional.empty();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }

    private void beat(Worker w) {
        try {
            ObjectNode h = w.client.action("health", WorkerProtocol.object(), settings.workerDeadline().toMillis());
            String instance = h.path("instance").asText();
            if (!instance.equals(w.instance)) {
                boolean restarted = !w.instance.isEmpty();
                if (restarted) LOG.warn("worker {} restarted (instance {} -> {}); the models it held are gone", w.client.address(), w.instance, instance);
                w.models.clear();
                w.instance = instance;
                if (restarted) tell("restarted", w);
            }
            if (w.state != State.UP) {
                LOG.info("worker {} {}", w.client.address(), w.everUp ? "rejoined" : "up");
                if (w.everUp) w.rejoins.incrementAndGet();
                moveTo(w, State.UP, w.everUp ? "rejoined" : "up");
            }
            w.everUp = true;
        } catch (RuntimeException e) {
            State down = downState(e);
            if (!w.state.down()) {
                LOG.warn("worker {} is {} (no health answer within {} ms: {}); re-dispatching its unfinished samples", w.client.address(),
                        down.name().toLowerCase(Locale.ROOT), settings.workerDeadline().toMillis(), e.getMessage());
                w.lastError = e.getMessage();
            }
            moveTo(w, down, null);
            w.inFlight.forEach(WorkerClient.Call::cancel);
        }
    }

    /**
     * A worker whose call ran out of time is stalled (still connected, e.g. SIGSTOP or a hung driver); one whose connection
     * fails is dead (killed, crashed, not started). Both are down alike for scheduling; the difference is for operators.
     */
    private static State downState(RuntimeException e) {
        return e instanceof FlightRuntimeException f && (f.status().code() == FlightStatusCode.TIMED_OUT
                || f.status().code() == FlightStatusCode.CANCELLED) ? State.STALLED : State.DEAD;
    }

    /** Sets {@code w}'s state and tells the listener when it changed ({@code change} defaults to the state's name). */
    private void moveTo(Worker w, State to, String change) {
        State from;
        synchronized (w) {
            from = w.state;
            w.state = to;
        }
        if (from != to) tell(change == null ? to.name().toLowerCase(Locale.ROOT) : change, w);
    }

    private void tell(String change, Worker w) {
        try {
            listener.changed(change, status(w));
        } catch (RuntimeException e) {
            // A listener's failure must not stop supervision (a scheduled heartbeat that throws is never run again).
            LOG.warn("a worker state listener failed on {} {}: {}", w.client.address(), change, e.toString());
        }
    }

    String newModelId() {
        return "m-" + session + "-" + ids.incrementAndGet();
    }

    long newVersion() {
        return versions.incrementAndGet();
    }

    Worker trainer() {
        return trainer;
    }

    /** Waits (up to the settings' wait) for {@code w} to be up. */
    private void awaitUp(Worker w, String why) {
        long deadline = System.nanoTime() + settings.waitForWorkers().toNanos();
        while (w.state != State.UP) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("worker " + w.client.address() + " has been down for over " + settings.waitForWorkers().toSeconds()
                        + " s (" + w.lastError + "); " + why + " needs it: start it again, then resume the run");
            sleep(50);
        }
    }

    /** Runs {@code action} on the trainer, which must be up and hold {@code model}. */
    ObjectNode onTrainer(String action, ObjectNode body, String model, long deadlineMillis) {
        requireOnTrainer(model, action);
        return trainer.client.action(action, body, deadlineMillis);
    }

    void requireOnTrainer(String model, String what) {
        awaitUp(trainer, what);
        if (model != null && !trainer.models.containsKey(model))
            throw new IllegalStateException("the trainer worker " + trainer.client.address() + " no longer holds model " + model
                    + " (it restarted); " + what + " cannot go on: resume the run (./autodidact run --resume RUN_DIR) to continue from its last checkpoint");
    }

    StepMetrics train(RemoteEngine m, TrainBatch batch) {
        requireOnTrainer(m.id(), "train");
        // The new version is the step's id too: unique per step, so a step re-sent after a broken stream is applied once.
        long v = newVersion();
        StepMetrics s = trainer.client.train(m.id(), batch, v, settings.requestDeadline().toMillis(), heartbeats);
        trainer.models.put(m.id(), v);
        m.version(v);
        return s;
    }

    List<float[]> logprobs(RemoteEngine m, List<int[]> prompts, List<int[]> completions) {
        requireOnTrainer(m.id(), "logprobs");
        return trainer.client.logprobs(m.id(), prompts, completions, settings.requestDeadline().toMillis());
    }

    double[] selfCertainty(RemoteEngine m, List<int[]> prompts, List<int[]> completions) {
        requireOnTrainer(m.id(), "self-certainty");
        return trainer.client.selfCertainty(m.id(), prompts, completions, settings.requestDeadline().toMillis());
    }

    /** Makes {@code w} hold {@code m} at its current version: loads it if absent, then streams the trainer's weights if stale. */
    private void ensureModel(Worker w, RemoteEngine m) {
        synchronized (w.modelLock) {
            Long have = w.models.get(m.id());
            if (have == null) {
                ObjectNode body = m.source().deepCopy().put("model", m.id()).put("replace", true);
                w.client.action("load-model", body, settings.requestDeadline().toMillis());
                have = m.sourceVersion();
                w.models.put(m.id(), have);
            }
            long want = m.version();
            if (have != want) {
                requireOnTrainer(m.id(), "weight sync");
                long t0 = System.nanoTime();
                long bytes = trainer.client.relayWeights(m.id(), List.of(w.client), m.id(), settings.requestDeadline().toMillis());
                long nanos = System.nanoTime() - t0;
                w.models.put(m.id(), want);
                w.syncs.incrementAndGet();
                w.syncBytes.addAndGet(bytes);
                w.syncNanos.addAndGet(nanos);
                LOG.info("weight sync {} v{} -> {}: {} MB{} in {} s ({} s per 100 MB)", m.id(), want, w.client.address(),
                        String.format("%.3f", bytes / 1e6), m.source().has("lora") ? " of LoRA adapters" : "", String.format("%.3f", nanos / 1e9),
                        String.format("%.3f", bytes == 0 ? 0 : nanos / 1e9 / (bytes / 1e8)));
            }
        }
    }

    void loaded(Worker w, String model, long version) {
        w.models.put(model, version);
    }

    /** Frees {@code model} on every worker holding it; a worker that cannot be reached lost it anyway. */
    void unload(String model) {
        trainer.client.closeTrainStream(model);
        for (Worker w : all) {
            if (w.models.remove(model) == null || w.state != State.UP) continue;
            try {
                w.client.action("unload-model", WorkerProtocol.object().put("model", model), settings.workerDeadline().toMillis());
            } catch (RuntimeException e) {
                LOG.debug("unload of {} on {} failed: {}", model, w.client.address(), e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ generation

    /** A share of a request's rows (row r = prompt r / n, sample r % n) and the workers it already failed on. */
    private record Chunk(int[] rows, Set<Worker> tried) {}

    /**
     * {@code params.n()} samples for every prompt, spread over the up generation workers a chunk at a time (a worker
     * takes the next chunk when it finishes one, so faster workers take more), supervised as the class describes.
     */
    List<Generation> generate(RemoteEngine m, List<int[]> prompts, SamplingParams params) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("generate: the prompt list is empty; pass at least one prompt");
        int n = params.n(), total = prompts.size() * n;
        Generation[] results = new Generation[total];
        int[] done = {0};
        Deque<Chunk> pending = new ArrayDeque<>();
        for (int start = 0; start < total; start += settings.chunkRows()) {
            int[] rows = new int[Math.min(settings.chunkRows(), total - start)];
            for (int i = 0; i < rows.length; i++) rows[i] = start + i;
            pending.add(new Chunk(rows, new HashSet<>()));
        }
        Set<Worker> busy = new HashSet<>();
        long noWorkerSince = -1, failuresAtStart = totalFailures();
        List<Throwable> errors = new ArrayList<>();
        synchronized (results) {
            while (done[0] < total) {
                for (Worker w : generators) {
                    if (w.state != State.UP || busy.contains(w) || pending.isEmpty()) continue;
                    Chunk chunk = pick(pending, w);
                    if (chunk == null) continue;
                    busy.add(w);
                    Thread.ofVirtual().name("generate-" + w.client.address()).start(() -> run(w, m, chunk, prompts, params, results, done, pending, busy, errors));
                }
                if (busy.isEmpty() && generators.stream().noneMatch(w -> w.state == State.UP)) {
                    if (noWorkerSince < 0) noWorkerSince = System.nanoTime();
                    if (System.nanoTime() - noWorkerSince > settings.waitForWorkers().toNanos())
                        throw new IllegalStateException("no generation worker has been up for " + settings.waitForWorkers().toSeconds() + " s ("
                                + describeDown() + "); " + (total - done[0]) + " of " + total + " samples are unfinished: start the workers, then resume the run");
                } else noWorkerSince = -1;
                if (!errors.isEmpty() && errors.getFirst() instanceof IllegalArgumentException bad) throw bad;
                try {
                    results.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("generate interrupted", e);
                }
            }
        }
        // Every request at debug; at info only when supervision had to step in, so a healthy run's log stays quiet.
        if (failuresAtStart != totalFailures()) LOG.info("generate: {} samples after failures; workers {}", total, statusLine());
        else LOG.debug("generate: {} samples; workers {}", total, statusLine());
        return List.of(results);
    }

    /** The next chunk for {@code w}: one it has not failed on, or one every up worker has failed on (someone must take it). */
    private Chunk pick(Deque<Chunk> pending, Worker w) {
        List<Worker> up = generators.stream().filter(o -> o.state == State.UP).toList();
        for (var it = pending.iterator(); it.hasNext(); ) {
            Chunk c = it.next();
            if (!c.tried().contains(w) || c.tried().containsAll(up)) {
                it.remove();
                return c;
            }
        }
        return null;
    }

    private void run(Worker w, RemoteEngine m, Chunk chunk, List<int[]> prompts, SamplingParams params, Generation[] results, int[] done,
            Deque<Chunk> pending, Set<Worker> busy, List<Throwable> errors) {
        int n = params.n();
        long t0 = System.nanoTime();
        WorkerClient.Call[] call = new WorkerClient.Call[1];
        try {
            ensureModel(w, m);
            List<int[]> rowPrompts = new ArrayList<>(chunk.rows().length);
            int[] pi = new int[chunk.rows().length], si = new int[chunk.rows().length];
            for (int i = 0; i < pi.length; i++) {
                pi[i] = chunk.rows()[i] / n;
                si[i] = chunk.rows()[i] % n;
                rowPrompts.add(prompts.get(pi[i]));
            }
            w.client.generate(m.id(), rowPrompts, pi, si, params, settings.requestDeadline().toMillis(), c -> {
                call[0] = c;
                w.inFlight.add(c);
                if (w.state.down()) c.cancel();
            }, g -> {
                int r = g.promptIndex() * n + g.sampleIndex();
                if (g.promptIndex() < 0 || g.promptIndex() >= prompts.size() || g.sampleIndex() < 0 || g.sampleIndex() >= n) return;
                synchronized (results) {
                    if (results[r] != null) return; // already delivered by another worker: keep the first copy
                    results[r] = g;
                    done[0]++;
                }
                w.rows.incrementAndGet();
                w.tokens.addAndGet(g.tokens().length);
            });
        } catch (RuntimeException e) {
            w.failures.incrementAndGet();
            boolean deadline = e instanceof FlightRuntimeException f && f.status().code() == FlightStatusCode.TIMED_OUT;
            boolean unreachable = e instanceof FlightRuntimeException f && f.status().code() == FlightStatusCode.UNAVAILABLE;
            if (unreachable) {
                w.lastError = e.getMessage();
                moveTo(w, State.DEAD, null);
            }
            LOG.warn("generate on {} {}: {}", w.client.address(), deadline ? "passed its deadline (straggler)" : unreachable || w.state.down()
                    ? "lost the worker" : "failed", e.getMessage());
            if (e instanceof FlightRuntimeException f && f.status().code() == FlightStatusCode.INVALID_ARGUMENT)
                synchronized (results) {
                    errors.add(new IllegalArgumentException("worker " + w.client.address() + " refused generate: " + e.getMessage(), e));
                }
        } finally {
            if (call[0] != null) w.inFlight.remove(call[0]);
            w.busyNanos.addAndGet(System.nanoTime() - t0);
            synchronized (results) {
                int[] left = java.util.Arrays.stream(chunk.rows()).filter(r -> results[r] == null).toArray();
                if (left.length > 0) {
                    Set<Worker> tried = new HashSet<>(chunk.tried());
                    tried.add(w);
                    pending.addFirst(new Chunk(left, tried));
                    // Every unfinished sample goes back to the queue, including those of a request that failed before
                    // its call began (a worker killed between two chunks): all count as re-dispatched from this worker.
                    w.redispatched.addAndGet(left.length);
                }
                busy.remove(w);
                results.notifyAll();
            }
        }
    }

    // ------------------------------------------------------------------ status

    private long totalFailures() {
        return generators.stream().mapToLong(w -> w.failures.get()).sum();
    }

    /** Every worker's role, state and counters, for the run status and logs. */
    List<WorkerStatus> status() {
        List<WorkerStatus> out = new ArrayList<>();
        for (Worker w : all) out.add(status(w));
        return out;
    }

    private WorkerStatus status(Worker w) {
        String role = w == trainer ? (generators.contains(w) ? "trainer+generator" : "trainer") : "generator";
        double busy = w.busyNanos.get() / 1e9;
        return new WorkerStatus(w.client.address(), role, w.state.name().toLowerCase(Locale.ROOT), w.rows.get(), w.tokens.get(),
                busy == 0 ? 0 : w.tokens.get() / busy, w.failures.get(), w.redispatched.get(), w.syncs.get(), w.syncBytes.get(),
                w.syncNanos.get() / 1e9, w.rejoins.get(), w.lastError);
    }

    private String statusLine() {
        StringBuilder b = new StringBuilder();
        for (WorkerStatus s : status())
            b.append(String.format("[%s %s %s: %d samples, %.0f tokens/s, %d failures, %d re-dispatched] ", s.address(), s.role(), s.state(),
                    s.samples(), s.tokensPerSecond(), s.failures(), s.redispatchedSamples()));
        return b.toString().strip();
    }

    private String describeDown() {
        List<String> out = new ArrayList<>();
        for (Worker w : generators) out.add(w.client.address() + ": " + w.lastError);
        return String.join("; ", out);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a worker", e);
        }
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
        for (Worker w : all) w.client.close();
        try {
            allocator.close();
        } catch (IllegalStateException leak) {
            LOG.warn("Arrow memory still held when closing the worker pool: {}", leak.getMessage());
        }
    }
}
