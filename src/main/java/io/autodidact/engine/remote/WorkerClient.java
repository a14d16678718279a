package io.autodidact.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.autodidact.engine.Generation;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.StepMetrics;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.worker.Columns;
import io.autodidact.worker.RolloutBatches;
import io.autodidact.worker.WorkerProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to one worker, speaking the worker protocol: every call carries the bearer token and the protocol
 * version header, and a deadline. Thread-safe (Flight clients are); the supervision lives in {@link WorkerPool}.
 */
final class WorkerClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(WorkerClient.class);

    private final String address;
    private final BufferAllocator allocator;
    private final FlightClient client;
    private final CallOption[] auth;
    private final Map<String, TrainStream> trainStreams = new ConcurrentHashMap<>();

    WorkerClient(String address, String token, BufferAllocator allocator) {
        this(address, token, allocator, Optional.empty());
    }

    /** With {@code trustedCertificates} (PEM), over TLS: the worker must present a certificate they vouch for. */
    WorkerClient(String address, String token, BufferAllocator allocator, Optional<Path> trustedCertificates) {
        this.address = address;
        this.allocator = allocator;
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        if (trustedCertificates.isPresent()) {
            try (InputStream trusted = Files.newInputStream(trustedCertificates.get())) {
                this.client = FlightClient.builder(allocator, Location.forGrpcTls(host, port)).trustedCertificates(trusted).build();
            } catch (IOException e) {
                throw new UncheckedIOException("engine.tls.trusted_certificates: cannot read " + trustedCertificates.get() + ": " + e.getMessage(), e);
            }
        } else {
            this.client = FlightClient.builder(allocator, Location.forGrpcInsecure(host, port)).build();
        }
        FlightCallHeaders headers = new FlightCallHeaders();
        headers.insert(WorkerProtocol.VERSION_HEADER, Integer.toString(WorkerProtocol.VERSION));
        this.auth = new CallOption[] {new CredentialCallOption(new BearerCredentialWriter(token)), new HeaderCallOption(headers)};
    }

    String address() {
        return address;
    }

    private CallOption[] options(long deadlineMillis) {
        CallOption[] o = java.util.Arrays.copyOf(auth, auth.length + 1);
        o[auth.length] = CallOptions.timeout(deadlineMillis, TimeUnit.MILLISECONDS);
        return o;
    }

    /** Runs an action and returns its JSON answer. */
    ObjectNode action(String type, ObjectNode body, long deadlineMillis) {
        Iterator<Result> results = client.doAction(new Action(type, WorkerProtocol.bytes(body)), options(deadlineMillis));
        if (!results.hasNext()) throw new IllegalStateException("worker " + address + " answered " + type + " with nothing");
        byte[] answer = results.next().getBody();
        while (results.hasNext()) results.next();
        return (ObjectNode) read(answer);
    }

    private static JsonNode read(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("a worker answered with invalid JSON: " + new String(bytes, StandardCharsets.UTF_8), e);
        }
    }

    /** A running generate call; {@link #cancel} aborts it (the worker stops sampling at the next finished row). */
    interface Call {
        void cancel();
    }

    /**
     * Samples the rows ({@code promptIndex[i]}, {@code sampleIndex[i]}) continuing {@code prompts.get(i)}; every finished
     * sample reaches {@code onRow} as the worker streams it. Returns when the worker has sent every row, throws when
     * the call fails or is cancelled. {@code started} receives the call handle before any row arrives.
     */
    void generate(String model, List<int[]> prompts, int[] promptIndex, int[] sampleIndex, SamplingParams params, long deadlineMillis,
            Consumer<Call> started, Consumer<Generation> onRow) {
        ObjectNode op = WorkerProtocol.object().put("op", "generate").put("model", model);
        op.set("sampling", WorkerProtocol.sampling(params));
        try (var exchange = client.doExchange(FlightDescriptor.command(WorkerProtocol.bytes(op)), options(deadlineMillis));
                VectorSchemaRoot request = VectorSchemaRoot.create(WorkerProtocol.GENERATE_REQUEST, allocator)) {
            FlightStream reader = exchange.getReader();
            started.accept(() -> reader.cancel("cancelled by the supervisor", null));
            request.allocateNew();
            IntVector p = (IntVector) request.getVector(0), s = (IntVector) request.getVector(1);
            for (int i = 0; i < prompts.size(); i++) {
                p.setSafe(i, promptIndex[i]);
                s.setSafe(i, sampleIndex[i]);
            }
            Columns.setInts((ListVector) request.getVector(2), prompts);
            request.setRowCount(prompts.size());
            startZeroCopy(exchange.getWriter(), request);
            putNextWhenReady(exchange.getWriter());
            exchange.getWriter().completed();
            while (reader.next()) RolloutBatches.read(reader.getRoot(), onRow);
        } catch (FlightRuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("generate on worker " + address + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Sends {@code rows} as rollout batches of {@code batchRows} through the worker's {@code echo} exchange and decodes what
     * comes back; returns the Arrow body bytes moved (both ways). The transfer path alone, for {@code bench workers}.
     */
    long echoRollouts(List<Generation> rows, int batchRows, List<Generation> received, long deadlineMillis) {
        long[] bytes = {0};
        try (var exchange = client.doExchange(FlightDescriptor.command(WorkerProtocol.bytes(WorkerProtocol.object().put("op", "echo"))),
                options(deadlineMillis)); VectorSchemaRoot out = VectorSchemaRoot.create(WorkerProtocol.ROLLOUT, allocator)) {
            FlightStream reader = exchange.getReader();
            // Read while writing: the worker answers each batch at once, and a full window would otherwise block both sides.
            RuntimeException[] failed = {null};
            Thread drain = Thread.ofVirtual().start(() -> {
                try {
                    while (reader.next()) {
                        bytes[0] += bodyBytes(reader.getRoot());
                        RolloutBatches.read(reader.getRoot(), received::add);
                    }
                } catch (RuntimeException e) {
                    failed[0] = e;
                }
            });
            startZeroCopy(exchange.getWriter(), out);
            for (int from = 0; from < rows.size(); from += batchRows) {
                RolloutBatches.write(rows.subList(from, Math.min(rows.size(), from + batchRows)), out);
                bytes[0] += bodyBytes(out);
                putNextWhenReady(exchange.getWriter());
            }
            exchange.getWriter().completed();
            drain.join();
            if (failed[0] != null) throw failed[0];
        } catch (FlightRuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("echo on worker " + address + " failed: " + e.getMessage(), e);
        }
        return bytes[0];
    }

    private static long bodyBytes(VectorSchemaRoot root) {
        long n = 0;
        for (var v : root.getFieldVectors()) n += v.getBufferSize();
        return n;
    }

    List<float[]> logprobs(String model, List<int[]> prompts, List<int[]> completions, long deadlineMillis) {
        float[][] out = new float[prompts.size()][];
        boolean[] seen = scoringExchange("logprobs", model, prompts, completions, deadlineMillis,
                (in, i, row) -> out[row] = Columns.floats((ListVector) in.getVector(1), i));
        return checked(seen, "logprobs", List.of(out));
    }

    double[] selfCertainty(String model, List<int[]> prompts, List<int[]> completions, long deadlineMillis) {
        double[] out = new double[prompts.size()];
        boolean[] seen = scoringExchange("self-certainty", model, prompts, completions, deadlineMillis,
                (in, i, row) -> out[row] = ((org.apache.arrow.vector.Float8Vector) in.getVector(1)).get(i));
        return checked(seen, "self-certainty", out);
    }

    /** Reads result row {@code i} of batch {@code in}, which answers request row {@code row}. */
    private interface ResultRow {
        void read(VectorSchemaRoot in, int i, int row);
    }

    /** One logprobs-schema exchange ({@code logprobs} or {@code self-certainty}); returns which request rows were answered. */
    private boolean[] scoringExchange(String opName, String model, List<int[]> prompts, List<int[]> completions, long deadlineMillis,
                                      ResultRow onRow) {
        ObjectNode op = WorkerProtocol.object().put("op", opName).put("model", model);
        boolean[] seen = new boolean[prompts.size()];
        try (var exchange = client.doExchange(FlightDescriptor.command(WorkerProtocol.bytes(op)), options(deadlineMillis));
                VectorSchemaRoot request = VectorSchemaRoot.create(WorkerProtocol.LOGPROBS_REQUEST, allocator)) {
            request.allocateNew();
            IntVector r = (IntVector) request.getVector(0);
            for (int i = 0; i < prompts.size(); i++) r.setSafe(i, i);
            Columns.setInts((ListVector) request.getVector(1), prompts);
            Columns.setInts((ListVector) request.getVector(2), completions);
            request.setRowCount(prompts.size());
            startZeroCopy(exchange.getWriter(), request);
            putNextWhenReady(exchange.getWriter());
            exchange.getWriter().completed();
            FlightStream reader = exchange.getReader();
            while (reader.next()) {
                VectorSchemaRoot in = reader.getRoot();
                IntVector rows = (IntVector) in.getVector(0);
                for (int i = 0; i < in.getRowCount(); i++) {
                    onRow.read(in, i, rows.get(i));
                    seen[rows.get(i)] = true;
                }
            }
        } catch (FlightRuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(opName + " on worker " + address + " failed: " + e.getMessage(), e);
        }
        return seen;
    }

    private <T> T checked(boolean[] seen, String opName, T result) {
        for (int i = 0; i < seen.length; i++)
            if (!seen[i]) throw new IllegalStateException("worker " + address + " returned no " + opName + " for row " + i);
        return result;
    }

    /**
     * One optimizer step of {@code model} on {@code batch}, on the model's training stream (opened at its first step and
     * kept open: see {@link TrainStream}). {@code step} identifies the step: a worker applies a step id at most once.
     * A step still unanswered after {@code deadlineMillis} is abandoned with TIMED_OUT ({@code timer} watches the time).
     */
    StepMetrics train(String model, TrainBatch batch, long step, long deadlineMillis, ScheduledExecutorService timer) {
        return trainStreams.computeIfAbsent(model, TrainStream::new).step(batch, step, deadlineMillis, timer);
    }

    /** Ends {@code model}'s training stream, if it has one (before the model is unloaded, or when the pool closes). */
    void closeTrainStream(String model) {
        TrainStream s = trainStreams.remove(model);
        if (s != null) s.close();
    }

    /**
     * The {@code train-stream} exchange of one model: opened once, then each step is one batch out (its parameters and
     * id in the app metadata) and one row of metrics back, with no new call, schema or trailers per step. A stream found
     * broken is opened again; when it broke around a step, that step is sent again on the new stream under the same id,
     * which the worker answers without applying it twice. One step at a time.
     */
    private final class TrainStream {
        private final String model;
        private FlightClient.ExchangeReaderWriter exchange;
        private VectorSchemaRoot request;

        TrainStream(String model) {
            this.model = model;
        }

        synchronized StepMetrics step(TrainBatch batch, long step, long deadlineMillis, ScheduledExecutorService timer) {
            boolean reused = exchange != null;
            if (reused && !awaitReady(exchange.getWriter(), 100_000_000L)) {
                // A stream that cannot take a small batch between steps has ended (the worker closed it or the connection
                // broke while idle): nothing of this step was sent, so a new stream takes it.
                discard();
                reused = false;
            }
            try {
                return send(batch, step, deadlineMillis, timer);
            } catch (FlightRuntimeException e) {
                discard();
                if (!reused || !(e.status().code() == FlightStatusCode.UNAVAILABLE || e.status().code() == FlightStatusCode.CANCELLED)) throw e;
                LOG.info("the training stream of {} on worker {} broke ({}); sending step {} again on a new one", model, address, e.getMessage(), step);
                try {
                    return send(batch, step, deadlineMillis, timer);
                } catch (FlightRuntimeException again) {
                    discard();
                    throw again;
                }
            } catch (RuntimeException e) {
                discard();
                throw new IllegalStateException("train on worker " + address + " failed: " + e.getMessage(), e);
            }
        }

        private StepMetrics send(TrainBatch batch, long step, long deadlineMillis, ScheduledExecutorService timer) {
            if (exchange == null) {
                exchange = client.doExchange(FlightDescriptor.command(WorkerProtocol.bytes(WorkerProtocol.object().put("op", "train-stream")
                        .put("model", model))), auth);
                request = VectorSchemaRoot.create(WorkerProtocol.TRAIN_REQUEST, allocator);
                startZeroCopy(exchange.getWriter(), request);
            }
            FlightStream reader = exchange.getReader();
            fillTrainRequest(request, batch.sequences());
            byte[] json = WorkerProtocol.bytes(WorkerProtocol.trainStep(step, batch.learningRate(), batch.microBatchSize(), batch.objective()));
            ArrowBuf metadata = allocator.buffer(json.length);
            metadata.writeBytes(json);
            boolean[] late = {false};
            ScheduledFuture<?> deadline = timer.schedule(() -> {
                late[0] = true;
                reader.cancel("train step " + step + " passed its deadline", null);
            }, deadlineMillis, TimeUnit.MILLISECONDS);
            try {
                awaitReady(exchange.getWriter(), 1_000_000_000L);
                exchange.getWriter().putNext(metadata); // takes the metadata buffer
                if (!reader.next()) throw new IllegalStateException("worker " + address + " ended the training stream without answering step " + step);
                return stepMetrics(reader.getRoot());
            } catch (FlightRuntimeException e) {
                if (late[0]) throw CallStatus.TIMED_OUT.withDescription("train step " + step + " on worker " + address + " got no answer within "
                        + deadlineMillis + " ms (engine.request_deadline_s)").withCause(e).toRuntimeException();
                throw e;
            } finally {
                deadline.cancel(false);
            }
        }

        /** Drops the stream (cancelling it if it still runs); the next step opens a new one. */
        private void discard() {
            try {
                if (exchange != null) exchange.close();
            } catch (Exception e) {
                LOG.debug("closing the training stream of {} on {}: {}", model, address, e.toString());
            }
            if (request != null) request.close();
            exchange = null;
            request = null;
        }

        synchronized void close() {
            if (exchange != null) {
                try {
                    exchange.getWriter().completed();
                } catch (RuntimeException e) {
                    LOG.debug("ending the training stream of {} on {}: {}", model, address, e.toString());
                }
            }
            discard();
        }
    }

    /** Fills the train request columns with {@code rows}, into fresh buffers (the batch before may still be in flight, zero-copy). */
    private static void fillTrainRequest(VectorSchemaRoot request, List<TrainSequence> rows) {
        request.allocateNew();
        IntVector start = (IntVector) request.getVector(1);
        Float4Vector weight = (Float4Vector) request.getVector(2);
        BitVector offPolicy = (BitVector) request.getVector(6);
        Float4Vector klWeight = (Float4Vector) request.getVector(7);
        for (int i = 0; i < rows.size(); i++) {
            start.setSafe(i, rows.get(i).completionStart());
            weight.setSafe(i, rows.get(i).weight());
            offPolicy.setSafe(i, rows.get(i).offPolicy() ? 1 : 0);
            klWeight.setSafe(i, rows.get(i).klWeight());
        }
        Columns.setInts((ListVector) request.getVector(0), rows.stream().map(TrainSequence::tokens).toList());
        Columns.setFloats((ListVector) request.getVector(3), rows.stream().map(TrainSequence::tokenWeights).toList());
        Columns.setFloats((ListVector) request.getVector(4), rows.stream().map(TrainSequence::oldLogprobs).toList());
        Columns.setFloats((ListVector) request.getVector(5), rows.stream().map(TrainSequence::refLogprobs).toList());
        request.setRowCount(rows.size());
    }

    private StepMetrics stepMetrics(VectorSchemaRoot in) {
        if (in.getRowCount() != 1) throw new IllegalStateException("worker " + address + " answered a train step with " + in.getRowCount() + " rows, not 1");
        Map<String, Double> monitors = new TreeMap<>();
        read(((VarCharVector) in.getVector(4)).get(0)).fields().forEachRemaining(e -> monitors.put(e.getKey(), e.getValue().asDouble()));
        return new StepMetrics(((Float8Vector) in.getVector(0)).get(0), ((Float8Vector) in.getVector(1)).get(0),
                ((Float8Vector) in.getVector(2)).get(0), ((IntVector) in.getVector(3)).get(0), monitors);
    }

    /**
     * Streams the weights of {@code model} from this worker straight into {@code targets}: each record batch read is
     * written to every target from the same Arrow buffers, without decoding it. Returns the tensor bytes moved per target.
     */
    long relayWeights(String model, List<WorkerClient> targets, String targetModel, long deadlineMillis) {
        ObjectNode ticket = WorkerProtocol.object().put("op", "get-weights").put("model", model);
        ObjectNode put = WorkerProtocol.object().put("op", "set-weights").put("model", targetModel);
        long bytes = 0;
        try (FlightStream source = client.getStream(new Ticket(WorkerProtocol.bytes(ticket)), options(deadlineMillis))) {
            VectorSchemaRoot root = source.getRoot();
            List<SyncPutListener> acks = new ArrayList<>();
            List<FlightClient.ClientStreamListener> sinks = new ArrayList<>();
            for (WorkerClient t : targets) {
                SyncPutListener ack = new SyncPutListener();
                sinks.add(t.client.startPut(FlightDescriptor.command(WorkerProtocol.bytes(put)), root, ack, t.options(deadlineMillis)));
                acks.add(ack);
            }
            while (source.next()) {
                var data = (org.apache.arrow.vector.VarBinaryVector) root.getVector("data");
                if (root.getRowCount() > 0) bytes += data.getEndOffset(root.getRowCount() - 1) - data.getStartOffset(0);
                for (var s : sinks) putNextWhenReady(s);
            }
            for (var s : sinks) s.completed();
            for (var s : sinks) s.getResult();
            for (var a : acks) a.close();
        } catch (FlightRuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("weight sync from worker " + address + " failed: " + e.getMessage(), e);
        }
        return bytes;
    }

    /**
     * Starts a request stream whose batches go to gRPC as the Arrow buffers themselves instead of being copied through a
     * heap array per message (Flight's default). Safe because every batch written here is filled into freshly allocated
     * buffers ({@code allocateNew}); the message keeps its own reference to the ones it sends.
     */
    private static void startZeroCopy(FlightClient.ClientStreamListener writer, VectorSchemaRoot root) {
        writer.start(root);
        writer.setUseZeroCopy(true);
    }

    /**
     * Writes the next batch once the stream can take it. Flight's client {@code putNext} spins on {@code isReady} until a
     * new call's stream exists and while the flow-control window is full, burning a core (of two, here) and allocating on
     * every turn, while the event loop it waits for needs that core to open the stream; this parks between looks instead.
     * Every request's first batch goes through here, so a small training step does not pay a spin. After a second it
     * leaves the wait to Flight's own, which also notices a cancelled call.
     */
    private static void putNextWhenReady(FlightClient.ClientStreamListener writer) {
        awaitReady(writer, 1_000_000_000L);
        writer.putNext();
    }

    /** Parks until {@code writer} can take a batch or {@code maxNanos} passed; returns whether it can. */
    private static boolean awaitReady(FlightClient.ClientStreamListener writer, long maxNanos) {
        long pause = 10_000, waited = 0;
        while (!writer.isReady()) {
            if (waited >= maxNanos) return false;
            java.util.concurrent.locks.LockSupport.parkNanos(pause);
            waited += pause;
            pause = Math.min(pause * 2, 1_000_000);
        }
        return true;
    }

    @Override
    public void close() {
        for (String model : List.copyOf(trainStreams.keySet())) closeTrainStream(model);
        try {
            client.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
