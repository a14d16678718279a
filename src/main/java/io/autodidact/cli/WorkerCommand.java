package io.autodidact.cli;

import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.flight.FlightConfig;
import io.autodidact.worker.WorkerProtocol;
import io.autodidact.worker.WorkerServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code autodidact worker --port P}: an accelerator worker (in-process DJL engines) serving the worker protocol until stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Serve the worker protocol (flight/worker-protocol.md) over the in-process engine until Ctrl-C or a shutdown action.")
final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--port", description = "Flight port (default: ${DEFAULT-VALUE}; 0 = any free port).", defaultValue = "18816")
    int port;

    @Option(names = "--host", description = "Interface to listen on (default: ${DEFAULT-VALUE}).", defaultValue = "0.0.0.0")
    String host;

    @Option(names = "--token", paramLabel = "TOKEN", description = "A bearer token clients must send (repeatable); $"
            + WorkerServer.TOKEN_ENV + " and $AUTODIDACT_API_TOKEN are accepted too.")
    List<String> tokens = new ArrayList<>();

    @Option(names = "--threads", description = "libtorch threads (default: all cores).", defaultValue = "0")
    int threads;

    @Option(names = "--max-batch-rows", description = "Sequences decoded together (default: ${DEFAULT-VALUE}).", defaultValue = "512")
    int maxBatchRows;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain (PEM): serve TLS (default: $"
            + WorkerServer.TLS_CERT_ENV + "). Needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (PEM, PKCS#8) of --tls-cert (default: $"
            + WorkerServer.TLS_KEY_ENV + ").")
    Path tlsKey;

    @Override
    public Integer call() throws Exception {
        // The variables let a container image switch TLS on from its environment (docker/k8s) without new arguments.
        if (tlsCert == null) tlsCert = pathFromEnvironment(WorkerServer.TLS_CERT_ENV);
        if (tlsKey == null) tlsKey = pathFromEnvironment(WorkerServer.TLS_KEY_ENV);
        if ((tlsCert == null) != (tlsKey == null)) {
            System.err.println("autodidact worker: give both --tls-cert and --tls-key (or $" + WorkerServer.TLS_CERT_ENV + " and $"
                    + WorkerServer.TLS_KEY_ENV + "), or neither for plain TCP");
            return 2;
        }
        Set<String> accepted = new LinkedHashSet<>(tokens);
        // The service's own token is accepted too, so a deployment can share one secret (docker/k8s does).
        for (String name : new String[] {WorkerServer.TOKEN_ENV, io.autodidact.flight.FlightConfig.TOKEN_ENV}) {
            String env = System.getenv(name);
            if (env != null && !env.isBlank()) accepted.add(env.strip());
        }
        if (accepted.isEmpty()) {
            System.err.println("autodidact worker: give --token TOKEN or set " + WorkerServer.TOKEN_ENV
                    + " (the service sends the same value from its own " + WorkerServer.TOKEN_ENV + ")");
            return 2;
        }
        EngineOptions engine = EngineOptions.defaults()
                .withThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors()).withMaxBatchRows(maxBatchRows);
        WorkerServer.Config config;
        try {
            Optional<FlightConfig.Tls> tls = tlsCert == null ? Optional.empty() : Optional.of(new FlightConfig.Tls(tlsCert, tlsKey));
            config = new WorkerServer.Config(host, port, accepted, engine, tls);
        } catch (IllegalArgumentException e) {
            System.err.println("autodidact worker: " + e.getMessage());
            return 2;
        }
        WorkerServer worker = WorkerServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "worker-shutdown"));
        System.out.println("autodidact worker on " + worker.address() + (worker.tls() ? " with TLS" : "") + " (worker protocol " + WorkerProtocol.VERSION
                + ", pid " + ProcessHandle.current().pid() + "); Ctrl-C to stop");
        worker.awaitTermination();
        return 0;
    }

    private static Path pathFromEnvironment(String name) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? null : Path.of(value.strip());
    }
}
