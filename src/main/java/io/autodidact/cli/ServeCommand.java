package io.autodidact.cli;

import io.autodidact.flight.FlightConfig;
import io.autodidact.flight.FlightService;
import io.autodidact.loop.UploadedDatasets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code autodidact serve}: the service's network endpoints in one process, running until Ctrl-C. Today the Arrow
 * Flight data plane; the REST control plane joins it here (each endpoint is started into {@code endpoints} and
 * closed in reverse order on shutdown).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the data plane (Arrow Flight: datasets in, rollouts and metrics out) until Ctrl-C.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--flight-port", description = "Flight port (default: ${DEFAULT-VALUE}; 0 = any free port).", defaultValue = "8815")
    int flightPort;

    @Option(names = "--host", description = "Interface to listen on (default: ${DEFAULT-VALUE}).", defaultValue = "0.0.0.0")
    String host;

    @Option(names = "--runs", description = "Root of run directories (default: ${DEFAULT-VALUE}).", defaultValue = "runs")
    Path runs;

    @Option(names = "--datasets", description = "Where uploaded datasets are stored (default: $AUTODIDACT_DATASETS or datasets/)."
            + " Runs started elsewhere find them through AUTODIDACT_DATASETS.")
    Path datasets;

    @Option(names = "--token", paramLabel = "TOKEN", description = "A bearer token clients may use (repeatable). $AUTODIDACT_API_TOKEN is"
            + " accepted too. With neither, a random token is made for this session and printed.")
    List<String> tokens = new ArrayList<>();

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain (PEM); serve TLS. Needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key (PEM, PKCS#8) of --tls-cert.")
    Path tlsKey;

    @Option(names = "--max-batch-mb", description = "Largest record batch a client may upload, MiB (default: ${DEFAULT-VALUE}).",
            defaultValue = "256")
    long maxBatchMb;

    @Option(names = "--follow-idle", paramLabel = "SECONDS", description = "A followed rollout stream of a run that has not ended"
            + " closes after this long without a new part (default: ${DEFAULT-VALUE}).", defaultValue = "1800")
    long followIdleSeconds;

    @Override
    public Integer call() throws Exception {
        if ((tlsCert == null) != (tlsKey == null)) {
            System.err.println("autodidact serve: give both --tls-cert and --tls-key, or neither");
            return 2;
        }
        Set<String> accepted = FlightConfig.tokensWithEnvironment(tokens, System.getenv());
        if (accepted.isEmpty()) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String token = HexFormat.of().formatHex(random);
            accepted = Set.of(token);
            System.out.println("No --token or " + FlightConfig.TOKEN_ENV + " given; this session's token: " + token);
        }
        FlightConfig config = FlightConfig.of(accepted).withHost(host).withPort(flightPort)
                .withRoots(runs, datasets != null ? datasets : UploadedDatasets.defaultRoot())
                .withMaxBatchBytes(maxBatchMb << 20)
                .withFollow(Duration.ofSeconds(followIdleSeconds), Duration.ofMillis(500));
        if (tlsCert != null) config = config.withTls(new FlightConfig.Tls(tlsCert, tlsKey));

        List<AutoCloseable> endpoints = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        FlightService flight = FlightService.start(config);
        endpoints.add(flight);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("autodidact serve: shutting down");
            for (int i = endpoints.size() - 1; i >= 0; i--) {
                try {
                    endpoints.get(i).close();
                } catch (Exception e) {
                    System.err.println("autodidact serve: error while closing: " + e);
                }
            }
            stopped.countDown();
        }, "serve-shutdown"));
        System.out.println("Flight data plane on " + flight.address() + "  (runs: " + config.runsRoot() + ", datasets: "
                + config.datasetsRoot() + "; protocol: flight/protocol.md)");
        System.out.println("Ctrl-C to stop.");
        stopped.await();
        return 0;
    }
}
