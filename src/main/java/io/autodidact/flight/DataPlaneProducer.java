package io.autodidact.flight;

import io.autodidact.store.RolloutSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers Flight calls by path: datasets in and out, rollouts and metrics out, and the actions. */
final class DataPlaneProducer implements FlightProducer {

    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneProducer.class);

    private final FlightConfig config;
    private final BufferAllocator allocator;
    private final DatasetStore datasets;
    private final RunCatalog runs;
    private final DatasetUpload upload;
    private final DataPlaneActions actions;

    DataPlaneProducer(FlightConfig config, BufferAllocator allocator) {
        this.config = config;
        this.allocator = allocator;
        this.datasets = new DatasetStore(config.datasetsRoot());
        this.runs = new RunCatalog(config.runsRoot(), allocator);
        this.upload = new DatasetUpload(datasets, config.maxBatchBytes());
        this.actions = new DataPlaneActions(runs, datasets);
    }

    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
        try {
            FlightRequest request = FlightRequest.fromTicket(ticket);
            switch (request.path()) {
                case FlightPath.Dataset d -> sendFile(datasetFile(d), listener);
                case FlightPath.Rollouts r -> {
                    RunFolder run = runs.run(r.runId());
                    if (!request.follow()) requireIteration(run, r.iteration());
                    new RolloutStream(run, r.iteration(), allocator).send(listener, request.follow(),
                            request.idleTimeout().orElse(config.followIdleTimeout()), config.followPoll());
                }
                case FlightPath.Metrics m -> {
                    try (VectorSchemaRoot table = MetricsTable.of(runs.run(m.runId()).metrics(), allocator);
                            BatchSender sender = new BatchSender(listener, MetricsTable.schema(), allocator)) {
                        if (sender.send(table)) sender.complete();
                    }
                }
            }
        } catch (Throwable t) {
            listener.error(status("DoGet", t));
        }
    }

    @Override
    public Runnable acceptPut(CallContext context, FlightStream stream, StreamListener<PutResult> ackStream) {
        return () -> {
            try {
                FlightRequest request = FlightRequest.fromDescriptor(stream.getDescriptor());
                if (!(request.path() instanceof FlightPath.Dataset d))
                    throw CallStatus.INVALID_ARGUMENT.withDescription("DoPut accepts only datasets/<name>, not " + request.path().text())
                            .toRuntimeException();
                DatasetUpload.Stored stored = upload.receive(d, request.replace(), stream);
                LOG.info("dataset {} stored: {} rows, {} bytes{}", stored.name(), stored.rows(), stored.bytes(),
                        stored.replaced() ? " (replaced)" : "");
                ackStream.onCompleted();
            } catch (Throwable t) {
                ackStream.onError(status("DoPut", t));
            }
        };
    }

    @Override
    public void listFlights(CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
        try {
            byte[] expression = criteria.getExpression();
            String prefix = expression == null ? "" : new String(expression, StandardCharsets.UTF_8);
            for (String name : datasets.names()) offer(new FlightPath.Dataset(name), prefix, listener);
            for (String id : runs.runIds()) {
                offer(new FlightPath.Rollouts(id, OptionalInt.empty()), prefix, listener);
                offer(new FlightPath.Metrics(id), prefix, listener);
            }
            listener.onCompleted();
        } catch (Throwable t) {
            listener.onError(status("ListFlights", t));
        }
    }

    @Override
    public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
        try {
            return info(FlightRequest.fromDescriptor(descriptor).path());
        } catch (Throwable t) {
            throw status("GetFlightInfo", t);
        }
    }

    @Override
    public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
        try {
            byte[] body = action.getBody() == null ? new byte[0] : action.getBody();
            listener.onNext(new Result(actions.run(action.getType(), body)));
            listener.onCompleted();
        } catch (Throwable t) {
            listener.onError(status("DoAction " + action.getType(), t));
        }
    }

    @Override
    public void listActions(CallContext context, StreamListener<ActionType> listener) {
        DataPlaneActions.TYPES.forEach(listener::onNext);
        listener.onCompleted();
    }

    private void offer(FlightPath path, String prefix, StreamListener<FlightInfo> listener) throws IOException {
        if (path.text().startsWith(prefix)) listener.onNext(info(path));
    }

    private FlightInfo info(FlightPath path) throws IOException {
        FlightDescriptor descriptor = FlightDescriptor.path(path.segments());
        List<FlightEndpoint> endpoints = List.of(new FlightEndpoint(FlightRequest.of(path).toTicket()));
        return switch (path) {
            case FlightPath.Dataset d -> {
                try (MappedIpcFile file = MappedIpcFile.open(datasetFile(d), allocator)) {
                    yield new FlightInfo(file.schema(), descriptor, endpoints, file.size(), file.rows());
                }
            }
            case FlightPath.Rollouts r -> {
                RunFolder run = runs.run(r.runId());
                requireIteration(run, r.iteration());
                long bytes = 0, rows = 0;
                for (RunFolder.Part part : run.parts(r.iteration())) {
                    try (MappedIpcFile file = MappedIpcFile.open(part.file(), allocator)) {
                        bytes += file.size();
                        rows += file.rows();
                    }
                }
                yield new FlightInfo(RolloutSchema.schema(r.runId()), descriptor, endpoints, bytes, rows);
            }
            case FlightPath.Metrics m -> new FlightInfo(MetricsTable.schema(), descriptor, endpoints, -1, runs.run(m.runId()).metrics().size());
        };
    }

    private java.nio.file.Path datasetFile(FlightPath.Dataset d) {
        if (!datasets.exists(d.name()))
            throw CallStatus.NOT_FOUND.withDescription("no dataset '" + d.name() + "'; upload it with DoPut to datasets/" + d.name()
                    + ", or list datasets with ListFlights").toRuntimeException();
        return datasets.file(d.name());
    }

    private static void requireIteration(RunFolder run, OptionalInt iteration) {
        if (iteration.isPresent() && !run.iterations().contains(iteration.getAsInt()))
            throw CallStatus.NOT_FOUND.withDescription("run " + run.runId() + " has no rollouts for iteration " + iteration.getAsInt()
                    + " (iterations with rollouts: " + run.iterations() + "); use follow to wait for it").toRuntimeException();
    }

    private void sendFile(java.nio.file.Path path, ServerStreamListener listener) throws IOException {
        try (MappedIpcFile file = MappedIpcFile.open(path, allocator);
                BatchSender sender = new BatchSender(listener, file.schema(), allocator)) {
            if (sender.send(file)) sender.complete();
        }
    }

    /** {@code t} as the Flight status a client should see; unexpected failures are logged with their stack. */
    private static FlightRuntimeException status(String call, Throwable t) {
        if (t instanceof FlightRuntimeException f) return f;
        if (t instanceof IllegalArgumentException) return CallStatus.INVALID_ARGUMENT.withDescription(t.getMessage()).toRuntimeException();
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return CallStatus.CANCELLED.withDescription("server shutting down").toRuntimeException();
        }
        LOG.error("{} failed", call, t);
        return CallStatus.INTERNAL.withDescription(call + " failed: " + t).withCause(t).toRuntimeException();
    }
}
