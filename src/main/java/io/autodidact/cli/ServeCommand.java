package io.autodidact.cli;

import io.autodidact.api.ApiServer;
import io.autodidact.api.Role;
import io.autodidact.api.ServiceConfig;
import io.autodidact.api.TokenAuth;
import io.autodidact.run.EngineFactories;
import io.autodidact.flight.FlightConfig;
import io.autodidact.service.RunService;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * {@code autodidact serve}: the service's network endpoints in one process, running until Ctrl-C: the run queue with
 * its REST control plane and dashboard, and the Arrow Flight data plane over the same runs root. Each endpoint is
 * started into {@code endpoints} and closed in reverse order on shutdown.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the control plane (REST, dashboard) and the data plane (Arrow Flight) in one process until Ctrl-C.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Service settings (configs/service.yaml); options given here win.")
    Path configFile;

    @Option(names = "--http-port", description = "REST and dashboard port (default: 8080; 0 = any free port).")
    Integer httpPort;

    @Option(names = "--flight-port", description = "Flight port (default: 8815; 0 = any free port).")
    Integer flightPortOption;

    @Option(names = "--concurrency", description = "Runs executing at once (default: 1).")
    Integer concurrencyOption;

    @Option(names = "--viewer-token", paramLabel = "TOKEN", description = "A read-only bearer token (repeatable).")
    List<String> viewerTokens = new ArrayList<>();

    @Option(names = "--host", description = "Interface to listen on (default: ${DEFAULT-VALUE}).", defaultValue = "0.0.0.0")
    String host;

    @Option(names = "--runs", description = "Root of run directories (default: runs).")
    Path runs;

    @Option(names = "--datasets", description = "Where uploaded datasets are stored (default: $AUTODIDACT_DATASETS or datasets/)."
            + " Runs started elsewhere find them through AUTODIDACT_DATASETS.")
    Path datasets;

    @Option(names = "--token", paramLabel = "TOKEN", description = "An operator bearer token (repeatable). $AUTODIDACT_API_TOKEN is"
            + " accepted too. With no token at all, a random operator token is made for this session and printed.")
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
        ServiceConfig settings = configFile != null ? ServiceConfig.read(configFile) : ServiceConfig.defaults();
        int flightPort = flightPortOption != null ? flightPortOption : settings.flightPort();
        if (runs == null) runs = settings.runs();
        if (datasets == null && configFile != null) datasets = settings.datasets();
        Map<String, Role> roles = new LinkedHashMap<>(settings.tokens());
        for (String t : viewerTokens) roles.put(t, Role.VIEWER);
        for (String t : tokens) roles.put(t, Role.OPERATOR);
        Set<String> accepted = new java.util.LinkedHashSet<>(FlightConfig.tokensWithEnvironment(tokens, System.getenv()));
        accepted.addAll(roles.keySet());
        if (accepted.isEmpty()) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String token = HexFormat.of().formatHex(random);
            accepted = Set.of(token);
            roles.put(token, Role.OPERATOR);
            System.out.println("No --token or " + FlightConfig.TOKEN_ENV + " given; this session's token: " + token);
        }
        FlightConfig config = FlightConfig.of(accepted).withHost(host).withPort(flightPort)
                .withRoots(runs, datasets != null ? datasets : UploadedDatasets.defaultRoot())
                .withMaxBatchBytes(maxBatchMb << 20)
                .withFollow(Duration.ofSeconds(followIdleSeconds), Duration.ofMillis(500));
        if (tlsCert != null) config = config.withTls(new FlightConfig.Tls(tlsCert, tlsKey));

        List<AutoCloseable> endpoints = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        int concurrency = concurrencyOption != null ? concurrencyOption : settings.concurrency();
        int threads = settings.threads() > 0 ? settings.threads() : Runtime.getRuntime().availableProcessors();
        RunService service = new RunService(runs, concurrency,
                spec -> EngineFactories.forRun(spec, threads, System.getenv()));
        endpoints.add(service);
        ApiServer api = ApiServer.start(httpPort != null ? httpPort : settings.httpPort(), service, TokenAuth.fromEnvironment(roles),
                settings.api());
        endpoints.add(api);
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
        System.out.println("REST API and dashboard on " + api.uri() + "  (runs: " + service.root() + ", concurrency " + concurrency + ")");
        System.out.println("Flight data plane on " + flight.address() + "  (runs: " + config.runsRoot() + ", datasets: "
                + config.datasetsRoot() + "; protocol: flight/protocol.md)");
        System.out.println("Ctrl-C to stop.");
        stopped.await();
        return 0;
    }
}
