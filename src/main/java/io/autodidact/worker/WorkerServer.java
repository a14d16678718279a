package io.autodidact.worker;

import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.flight.BearerAuth;
import io.autodidact.flight.FlightConfig;
import io.autodidact.flight.FlightService;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * An accelerator worker: a Flight server speaking the worker protocol ({@code flight/worker-protocol.md}) over
 * in-process DJL engines, with bearer-token auth and the protocol-version check on every call.
 */
public final class WorkerServer implements AutoCloseable {

    /**
     * @param host   interface to bind ({@code 0.0.0.0} for all)
     * @param port   TCP port, 0 for any free one
     * @param tokens bearer tokens accepted; at least one
     * @param tls    certificate chain and private key (PEM) to serve TLS with; empty for plain TCP
     */
    public record Config(String host, int port, Set<String> tokens, EngineOptions engine, Optional<FlightConfig.Tls> tls) {
        /** Plain TCP. */
        public Config(String host, int port, Set<String> tokens, EngineOptions engine) {
            this(host, port, tokens, engine, Optional.empty());
        }

        public Config {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) throw new IllegalArgumentException("host must not be blank; use 0.0.0.0 or 127.0.0.1");
            if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
            tokens = Set.copyOf(tokens);
            if (tokens.isEmpty())
                throw new IllegalArgumentException("a worker needs at least one bearer token: pass --token or set AUTODIDACT_WORKER_TOKEN");
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(tls, "tls: use Optional.empty() for plain TCP");
            tls.ifPresent(Config::requireReadable);
        }

        /**
         * Netty takes a key it cannot use and fails every handshake later with an internal error, so the files are read
         * here: a certificate chain, and a key in the PKCS#8 form it needs (openssl's EC and RSA forms are common).
         */
        private static void requireReadable(FlightConfig.Tls tls) {
            try (var in = Files.newInputStream(tls.certChain())) {
                if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty())
                    throw new IllegalArgumentException("--tls-cert " + tls.certChain() + " holds no PEM certificate");
            } catch (IOException | CertificateException e) {
                throw new IllegalArgumentException("--tls-cert " + tls.certChain() + " is not a PEM certificate chain: " + e.getMessage(), e);
            }
            String key;
            try {
                key = Files.readString(tls.privateKey(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --tls-key " + tls.privateKey() + ": " + e.getMessage(), e);
            }
            if (!key.contains("-----BEGIN PRIVATE KEY-----"))
                throw new IllegalArgumentException("--tls-key " + tls.privateKey() + " is not an unencrypted PEM PKCS#8 key (BEGIN PRIVATE KEY);"
                        + " convert it: openssl pkcs8 -topk8 -nocrypt -in " + tls.privateKey() + " -out key-pkcs8.pem");
        }
    }

    /** The variable whose value a worker accepts as a token and a remote engine sends. */
    public static final String TOKEN_ENV = "AUTODIDACT_WORKER_TOKEN";
    /** The variables a worker reads its certificate chain and private key (PEM) from when not given --tls-cert and --tls-key. */
    public static final String TLS_CERT_ENV = "AUTODIDACT_WORKER_TLS_CERT", TLS_KEY_ENV = "AUTODIDACT_WORKER_TLS_KEY";

    private final BufferAllocator allocator;
    private final FlightServer server;
    private final WorkerProducer producer;
    private final Config config;
    private boolean closed;

    private WorkerServer(Config config, BufferAllocator allocator, FlightServer server, WorkerProducer producer) {
        this.config = config;
        this.allocator = allocator;
        this.server = server;
        this.producer = producer;
    }

    public static WorkerServer start(Config config) {
        // Load libtorch before answering anything: the first worker-info must not spend a supervisor's deadline on it.
        ai.djl.engine.Engine.getInstance();
        BufferAllocator allocator = new RootAllocator();
        WorkerServer[] self = new WorkerServer[1];
        try {
            var producer = new WorkerProducer(allocator, config.engine(), () -> {
                if (self[0] != null) self[0].close();
            });
            Location bind = config.tls().isPresent() ? Location.forGrpcTls(config.host(), config.port())
                    : Location.forGrpcInsecure(config.host(), config.port());
            FlightServer.Builder builder = FlightServer.builder(allocator, bind, producer);
            if (config.tls().isPresent()) builder.useTls(config.tls().get().certChain().toFile(), config.tls().get().privateKey().toFile());
            FlightServer server = builder
                    .headerAuthenticator(new BearerAuth(config.tokens()))
                    .middleware(FlightServerMiddleware.Key.of(WorkerProtocol.VERSION_HEADER), new ProtocolVersionCheck.Factory())
                    .transportHint("grpc.builderConsumer", (Consumer<NettyServerBuilder>) n -> n.flowControlWindow(FlightService.FLOW_WINDOW))
                    .build();
            server.start();
            self[0] = new WorkerServer(config, allocator, server, producer);
            return self[0];
        } catch (IOException e) {
            allocator.close();
            throw new UncheckedIOException("could not start the worker on " + config.host() + ":" + config.port() + ": " + e.getMessage()
                    + " (is the port taken? choose another with --port)", e);
        }
    }

    public int port() {
        return server.getPort();
    }

    /** Whether clients must connect with TLS. */
    public boolean tls() {
        return config.tls().isPresent();
    }

    /** {@code host:port} as a run config's {@code engine.workers} names it. */
    public String address() {
        return (config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host()) + ":" + port();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.close();
            else server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
        try {
            allocator.close();
        } catch (IllegalStateException leak) {
            org.slf4j.LoggerFactory.getLogger(WorkerServer.class).warn("Arrow memory still held at shutdown: {}", leak.getMessage());
        }
    }
}
