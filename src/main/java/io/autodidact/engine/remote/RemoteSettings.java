package io.autodidact.engine.remote;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the workers are and how they are supervised.
 *
 * @param workers          generation workers, {@code host:port}
 * @param trainer          the worker that trains (and holds the authoritative weights); may be one of {@code workers}
 * @param chunkRows        samples per generate request: the unit of load balancing and of re-dispatch
 * @param heartbeat        how often every worker is asked for {@code health}
 * @param workerDeadline   a worker that does not answer {@code health} within this is down (dead or stalled)
 * @param requestDeadline  a generate request running longer is a straggler: cancelled and its unfinished samples re-dispatched
 * @param waitForWorkers   how long an operation waits for a worker to come (back) before failing the run
 * @param trustedCertificates with a PEM file, every worker is reached over TLS and must present a certificate it vouches
 *                         for (the worker's own, or its CA's); empty for plain TCP
 */
public record RemoteSettings(List<String> workers, String trainer, int chunkRows, Duration heartbeat, Duration workerDeadline,
        Duration requestDeadline, Duration waitForWorkers, Optional<Path> trustedCertificates) {

    public RemoteSettings {
        workers = List.copyOf(workers);
        if (workers.isEmpty()) throw new IllegalArgumentException("engine.workers: give at least one worker as host:port");
        if (new LinkedHashSet<>(workers).size() != workers.size())
            throw new IllegalArgumentException("engine.workers: " + workers + " names a worker twice");
        for (String w : workers) checkAddress("engine.workers", w);
        checkAddress("engine.trainer", trainer);
        if (chunkRows < 1) throw new IllegalArgumentException("engine.chunk_rows must be >= 1, got " + chunkRows);
        for (var d : List.of(heartbeat, workerDeadline, requestDeadline, waitForWorkers))
            if (Objects.requireNonNull(d).isNegative() || d.isZero()) throw new IllegalArgumentException("engine supervision durations must be > 0, got " + d);
        Objects.requireNonNull(trustedCertificates, "trustedCertificates: use Optional.empty() for plain TCP");
        trustedCertificates.ifPresent(t -> {
            if (!Files.isRegularFile(t))
                throw new IllegalArgumentException("engine.tls.trusted_certificates: " + t + " is not a file; give the PEM certificate the"
                        + " workers serve (their --tls-cert) or the CA certificate that signed it");
        });
    }

    /** The defaults of {@code configs/defaults.yaml} for these workers, the first one training. */
    public static RemoteSettings of(List<String> workers) {
        return new RemoteSettings(workers, workers.isEmpty() ? "" : workers.getFirst(), 64, Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofSeconds(600), Duration.ofSeconds(120), Optional.empty());
    }

    public RemoteSettings withChunkRows(int value) {
        return new RemoteSettings(workers, trainer, value, heartbeat, workerDeadline, requestDeadline, waitForWorkers, trustedCertificates);
    }

    public RemoteSettings withTrainer(String value) {
        return new RemoteSettings(workers, value, chunkRows, heartbeat, workerDeadline, requestDeadline, waitForWorkers, trustedCertificates);
    }

    public RemoteSettings withDeadlines(Duration heartbeat, Duration workerDeadline, Duration requestDeadline, Duration waitForWorkers) {
        return new RemoteSettings(workers, trainer, chunkRows, heartbeat, workerDeadline, requestDeadline, waitForWorkers, trustedCertificates);
    }

    /** TLS to every worker, trusting the PEM certificate(s) in {@code trusted}. */
    public RemoteSettings withTls(Path trusted) {
        return new RemoteSettings(workers, trainer, chunkRows, heartbeat, workerDeadline, requestDeadline, waitForWorkers, Optional.of(trusted));
    }

    /** {@code host:port} with a port in 1..65535; the message names the field. */
    public static void checkAddress(String field, String address) {
        int colon = address == null ? -1 : address.lastIndexOf(':');
        boolean ok = colon > 0;
        if (ok) {
            try {
                int port = Integer.parseInt(address.substring(colon + 1));
                ok = port >= 1 && port <= 65_535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) throw new IllegalArgumentException(field + ": \"" + address + "\" is not host:port (e.g. 127.0.0.1:18816)");
    }
}
