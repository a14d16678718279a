package io.autodidact.flight;

import io.autodidact.loop.UploadedDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How the Flight data plane runs: where it listens, which folders it serves, which bearer tokens it accepts,
 * and its limits. Start from {@link #of} and change what differs with the {@code with*} methods.
 *
 * @param host              interface to bind, e.g. {@code 0.0.0.0} (all) or {@code localhost}
 * @param port              TCP port; 0 picks a free one (see {@link FlightService#port()})
 * @param runsRoot          the folder holding {@code <run-id>/} run directories
 * @param datasetsRoot      the folder holding uploaded datasets ({@code <name>.arrow})
 * @param tokens            the bearer tokens accepted; at least one, since every call must carry one
 * @param tls               certificate chain and private key (PEM) to serve TLS with; empty for plain TCP
 * @param maxBatchBytes     the largest record batch a client may upload, in bytes (RESOURCE_EXHAUSTED above it)
 * @param followIdleTimeout a followed rollout stream ends after this long without a new part when the run has not
 *                          written {@code summary.json} (a crashed or paused run)
 * @param followPoll        how often a followed stream looks for new parts
 */
public record FlightConfig(
        String host,
        int port,
        Path runsRoot,
        Path datasetsRoot,
        Set<String> tokens,
        Optional<Tls> tls,
        long maxBatchBytes,
        Duration followIdleTimeout,
        Duration followPoll) {

    /** The default port, as in the Flight examples of other projects. */
    public static final int DEFAULT_PORT = 8815;
    /** The environment variable whose value, when set, is accepted as a token besides the configured ones. */
    public static final String TOKEN_ENV = "AUTODIDACT_API_TOKEN";

    /** A PEM certificate chain and its PEM (PKCS#8) private key. */
    public record Tls(Path certChain, Path privateKey) {
        public Tls {
            Objects.requireNonNull(certChain, "tls certChain must not be null; pass the PEM certificate file");
            Objects.requireNonNull(privateKey, "tls privateKey must not be null; pass the PEM private key file");
            if (!Files.isRegularFile(certChain))
                throw new IllegalArgumentException("tls certificate " + certChain + " does not exist; check --tls-cert");
            if (!Files.isRegularFile(privateKey))
                throw new IllegalArgumentException("tls private key " + privateKey + " does not exist; check --tls-key");
        }
    }

    public FlightConfig {
        Objects.requireNonNull(host, "host must not be null; use 0.0.0.0 to listen on every interface");
        if (host.isBlank()) throw new IllegalArgumentException("host must not be blank; use 0.0.0.0 or localhost");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be in [0, 65535] (0 = any free port), got " + port);
        runsRoot = Objects.requireNonNull(runsRoot, "runsRoot must not be null; use runs/").toAbsolutePath().normalize();
        datasetsRoot = Objects.requireNonNull(datasetsRoot, "datasetsRoot must not be null; use datasets/").toAbsolutePath().normalize();
        Objects.requireNonNull(tokens, "tokens must not be null");
        if (tokens.isEmpty())
            throw new IllegalArgumentException("tokens must hold at least one bearer token: every Flight call is authenticated;"
                    + " pass --token or set " + TOKEN_ENV);
        for (String t : tokens)
            if (t == null || t.isBlank() || !t.strip().equals(t) || t.chars().anyMatch(Character::isWhitespace))
                throw new IllegalArgumentException("tokens must be non-blank and hold no whitespace; check --token and " + TOKEN_ENV);
        tokens = Set.copyOf(tokens);
        Objects.requireNonNull(tls, "tls must not be null; use Optional.empty() for plain TCP");
        if (maxBatchBytes < 1024) throw new IllegalArgumentException("maxBatchBytes must be >= 1024, got " + maxBatchBytes);
        if (maxBatchBytes > Integer.MAX_VALUE - (1 << 20))
            throw new IllegalArgumentException("maxBatchBytes must be below 2 GiB (gRPC's message limit), got " + maxBatchBytes);
        requirePositive("followIdleTimeout", followIdleTimeout);
        requirePositive("followPoll", followPoll);
    }

    /** Defaults: all interfaces, port {@value #DEFAULT_PORT}, {@code runs/} and {@code datasets/}, 256 MiB batches, follow idle 30 min. */
    public static FlightConfig of(Collection<String> tokens) {
        return new FlightConfig("0.0.0.0", DEFAULT_PORT, Path.of("runs"), UploadedDatasets.defaultRoot(), new LinkedHashSet<>(tokens),
                Optional.empty(), 256L << 20, Duration.ofMinutes(30), Duration.ofMillis(500));
    }

    /** {@code configured} plus the value of {@value #TOKEN_ENV} in {@code env} when it is set. */
    public static Set<String> tokensWithEnvironment(Collection<String> configured, Map<String, String> env) {
        Set<String> all = new LinkedHashSet<>(configured);
        String fromEnv = env.get(TOKEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) all.add(fromEnv.strip());
        return all;
    }

    public FlightConfig withHost(String value) {
        return new FlightConfig(value, port, runsRoot, datasetsRoot, tokens, tls, maxBatchBytes, followIdleTimeout, followPoll);
    }

    public FlightConfig withPort(int value) {
        return new FlightConfig(host, value, runsRoot, datasetsRoot, tokens, tls, maxBatchBytes, followIdleTimeout, followPoll);
    }

    public FlightConfig withRoots(Path runs, Path datasets) {
        return new FlightConfig(host, port, runs, datasets, tokens, tls, maxBatchBytes, followIdleTimeout, followPoll);
    }

    public FlightConfig withTls(Tls value) {
        return new FlightConfig(host, port, runsRoot, datasetsRoot, tokens, Optional.of(value), maxBatchBytes, followIdleTimeout, followPoll);
    }

    public FlightConfig withMaxBatchBytes(long value) {
        return new FlightConfig(host, port, runsRoot, datasetsRoot, tokens, tls, value, followIdleTimeout, followPoll);
    }

    public FlightConfig withFollow(Duration idleTimeout, Duration poll) {
        return new FlightConfig(host, port, runsRoot, datasetsRoot, tokens, tls, maxBatchBytes, idleTimeout, poll);
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name + " must not be null");
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
}
