package io.autodidact.flight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import io.grpc.MethodDescriptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.netty.NettyServerBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightConstants;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.auth.ServerAuthHandler;
import org.apache.arrow.flight.auth.ServerAuthInterceptor;
import org.apache.arrow.flight.grpc.ServerBackpressureThresholdInterceptor;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.LoggerFactory;

/**
 * The Arrow Flight data plane (protocol in {@code flight/protocol.md}): datasets in, rollouts and metrics out, with
 * bearer-token auth on every call and TLS when configured. {@link #start} binds and serves; {@link #close} stops
 * accepting calls, waits briefly for running ones, and frees the Arrow memory.
 */
public final class FlightService implements AutoCloseable {

    /** HTTP/2 flow-control window per stream: a few large record batches in flight, not one 16 KiB frame at a time. */
    public static final int FLOW_WINDOW = 16 << 20;

    private final FlightConfig config;
    private final BufferAllocator allocator;
    private final FlightServer server;
    private final ExecutorService calls;
    private final Optional<UploadParser> uploads;
    private final Optional<DirectResponses> responses;

    private FlightService(FlightConfig config, BufferAllocator allocator, FlightServer server, ExecutorService calls,
            Optional<UploadParser> uploads, Optional<DirectResponses> responses) {
        this.config = config;
        this.allocator = allocator;
        this.server = server;
        this.calls = calls;
        this.uploads = uploads;
        this.responses = responses;
    }

    /** Starts serving {@code config}; the port is bound when this returns. */
    public static FlightService start(FlightConfig config) {
        BufferAllocator allocator = new RootAllocator();
        // Ours rather than Flight's default, because the service registered again below must run its calls on the same one.
        ExecutorService calls = Executors.newCachedThreadPool(Thread.ofPlatform().name("flight-call-", 0).factory());
        try {
            DataPlaneProducer producer = new DataPlaneProducer(config, allocator);
            Optional<UploadParser> uploads = UploadParser.create(allocator);
            if (uploads.isEmpty())
                LoggerFactory.getLogger(FlightService.class).warn("this Arrow version hides the constructor UploadParser needs;"
                        + " uploads are parsed by Flight's slower parser");
            ServerServiceDefinition flight = FlightGrpcUtils.createFlightService(allocator, producer, ServerAuthHandler.NO_OP, calls).bindService();
            Optional<DirectResponses> responses = DirectResponses.wrap(responsesOf(flight, DO_GET));
            if (responses.isEmpty())
                LoggerFactory.getLogger(FlightService.class).warn("this Arrow version hides the message stream DirectResponses needs;"
                        + " Netty copies every DoGet batch once more before sending it");
            Location bind = config.tls().isPresent()
                    ? Location.forGrpcTls(config.host(), config.port())
                    : Location.forGrpcInsecure(config.host(), config.port());
            FlightServer.Builder builder = FlightServer.builder(allocator, bind, producer)
                    .executor(calls)
                    .headerAuthenticator(new BearerAuth(config.tokens()))
                    // A little above our own batch check, so gRPC refuses only what we would refuse anyway.
                    .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxBatchBytes() + (1 << 20)))
                    // gRPC's 1 MiB HTTP/2 window caps an upload at window/round-trip, which a busy machine stretches.
                    .transportHint("grpc.builderConsumer", (Consumer<NettyServerBuilder>) netty -> {
                        netty.flowControlWindow(FLOW_WINDOW);
                        // gRPC keeps one definition per service name, the last added: this one replaces Flight's. The auth
                        // middleware is a server-wide interceptor that Flight adds after this hook, so it guards it too.
                        if (uploads.isPresent() || responses.isPresent()) netty.addService(withLeanMessages(flight, uploads, responses));
                    });
            if (config.tls().isPresent())
                builder.useTls(config.tls().get().certChain().toFile(), config.tls().get().privateKey().toFile());
            FlightServer server = builder.build();
            server.start();
            return new FlightService(config, allocator, server, calls, uploads, responses);
        } catch (IOException e) {
            calls.shutdownNow();
            allocator.close();
            throw new UncheckedIOException("could not start the Flight server on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage() + " (is the port taken? choose another with --flight-port)", e);
        } catch (RuntimeException e) {
            calls.shutdownNow();
            allocator.close();
            throw e;
        }
    }

    /**
     * {@code flight}, Flight's service as {@code FlightServer} builds it (same producer and executor), with DoPut's
     * messages parsed by {@code parser} and DoGet's sent all-direct by {@code responses}, each where present, and
     * Flight's per-service interceptors.
     */
    private static ServerServiceDefinition withLeanMessages(ServerServiceDefinition flight, Optional<UploadParser> parser,
            Optional<DirectResponses> responses) {
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(flight.getServiceDescriptor().getName())
                .setSchemaDescriptor(flight.getServiceDescriptor().getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : flight.getMethods()) {
            String name = method.getMethodDescriptor().getFullMethodName();
            ServerMethodDefinition<?, ?> m = method;
            if (name.equals(DO_PUT) && parser.isPresent()) m = withRequests(m, parser.get());
            if (name.equals(DO_GET) && responses.isPresent()) m = withResponses(m, responses.get());
            methods.add(m);
            descriptor.addMethod(m.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(service::addMethod);
        return ServerInterceptors.intercept(service.build(), new ServerBackpressureThresholdInterceptor(FlightServer.DEFAULT_BACKPRESSURE_THRESHOLD),
                new ServerAuthInterceptor(ServerAuthHandler.NO_OP));
    }

    @SuppressWarnings("unchecked")
    private static <Res> ServerMethodDefinition<Object, Res> withRequests(ServerMethodDefinition<?, Res> method,
            MethodDescriptor.Marshaller<Object> requests) {
        ServerMethodDefinition<Object, Res> m = (ServerMethodDefinition<Object, Res>) method;
        MethodDescriptor<Object, Res> d = m.getMethodDescriptor();
        return ServerMethodDefinition.create(d.toBuilder(requests, d.getResponseMarshaller()).build(), m.getServerCallHandler());
    }

    @SuppressWarnings("unchecked")
    private static <Req> ServerMethodDefinition<Req, Object> withResponses(ServerMethodDefinition<Req, ?> method,
            MethodDescriptor.Marshaller<Object> responses) {
        ServerMethodDefinition<Req, Object> m = (ServerMethodDefinition<Req, Object>) method;
        MethodDescriptor<Req, Object> d = m.getMethodDescriptor();
        return ServerMethodDefinition.create(d.toBuilder(d.getRequestMarshaller(), responses).build(), m.getServerCallHandler());
    }

    @SuppressWarnings("unchecked")
    private static MethodDescriptor.Marshaller<Object> responsesOf(ServerServiceDefinition service, String method) {
        return (MethodDescriptor.Marshaller<Object>) service.getMethod(method).getMethodDescriptor().getResponseMarshaller();
    }

    private static final String DO_PUT = MethodDescriptor.generateFullMethodName(FlightConstants.SERVICE, "DoPut");
    private static final String DO_GET = MethodDescriptor.generateFullMethodName(FlightConstants.SERVICE, "DoGet");

    /** Record-batch bodies of uploads parsed by {@link UploadParser} (0 when Flight's own parser is in use). */
    long leanUploadBatches() {
        return uploads.map(UploadParser::bodies).orElse(0L);
    }

    /** DoGet record batches sent all-direct by {@link DirectResponses} (0 when Flight's own marshaller is in use). */
    long directDoGetBatches() {
        return responses.map(DirectResponses::directMessages).orElse(0L);
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    /** Where clients connect: {@code grpc+tcp://host:port} or {@code grpc+tls://host:port}. */
    public String address() {
        String host = config.host().equals("0.0.0.0") ? "localhost" : config.host();
        return (config.tls().isPresent() ? "grpc+tls://" : "grpc+tcp://") + host + ":" + port();
    }

    public FlightConfig config() {
        return config;
    }

    /** Blocks until the server stops. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Arrow memory (file mappings included) held by calls in progress or by messages Netty has not written yet. */
    long arrowBytesHeld() {
        return allocator.getAllocatedMemory();
    }

    /** Waits until every buffer is released or {@code timeout} has passed; true when nothing is held. */
    boolean awaitReleased(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (allocator.getAllocatedMemory() > 0) {
            if (System.nanoTime() >= deadline) return false;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        try {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.close();
            else server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        calls.shutdown();
        // Netty releases the file mappings of zero-copy messages when it has written or dropped them, which can lag a
        // shutdown by a moment; closing before that would report a leak that is not one.
        awaitReleased(Duration.ofSeconds(2));
        try {
            allocator.close();
        } catch (IllegalStateException leak) {
            org.slf4j.LoggerFactory.getLogger(FlightService.class).warn("Arrow memory still held at shutdown: {}", leak.getMessage());
        }
    }
}
