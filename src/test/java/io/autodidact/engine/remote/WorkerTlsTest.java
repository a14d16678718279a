package io.autodidact.engine.remote;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.WorkerStatus;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.flight.FlightConfig;
import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.run.EngineFactories;
import io.autodidact.run.RunLauncher;
import io.autodidact.store.RunDirectory;
import io.autodidact.testing.Certificates;
import io.autodidact.testing.TinyRun;
import io.autodidact.worker.WorkerServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workers serving TLS with a certificate made in the test, and a remote engine that trusts it, or does not. */
class WorkerTlsTest {
    static final String TOKEN = "tls-token";
    static final EngineOptions OPTIONS = EngineOptions.defaults().withThreads(1).withMaxBatchRows(64);

    @TempDir
    static Path certs;
    static Path cert, otherCert;
    static WorkerServer a, b, plain;

    @BeforeAll
    static void start() throws Exception {
        cert = certs.resolve("worker.pem");
        Certificates.selfSigned(cert, certs.resolve("worker-key.pem"));
        otherCert = certs.resolve("other.pem");
        Certificates.selfSigned(otherCert, certs.resolve("other-key.pem"));
        var tls = Optional.of(new FlightConfig.Tls(cert, certs.resolve("worker-key.pem")));
        a = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), OPTIONS, tls));
        b = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), OPTIONS, tls));
        plain = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), OPTIONS));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        plain.close();
    }

    @Test
    void aStarRunOnTwoTlsWorkersCompletesWithTheTokenStillChecked(@TempDir Path tmp) {
        RunSpec spec = RunSpecReader.parse(TinyRun.CONFIG, Path.of("."), List.of("engine.type=remote", "engine.workers=[" + a.address() + ", "
                + b.address() + "]", "engine.chunk_rows=8", "engine.tls.trusted_certificates=" + cert, "bootstrap.steps=30"), "test");
        assertEquals(Optional.of(cert), spec.engine().tlsTrustedCertificates());
        var factory = (RemoteEngineFactory) EngineFactories.forRun(spec, 1, Map.of(WorkerServer.TOKEN_ENV, TOKEN));
        Path dir = tmp.resolve("run");
        Map<String, Object> summary = RunLauncher.start(spec, dir, factory, LoopEvents.NONE).runner().run();
        assertEquals(3, ((List<?>) summary.get("per_iteration")).size());
        List<WorkerStatus> workers = factory.workers();
        for (WorkerStatus w : workers) assertTrue(w.samples() > 0, "both workers generated over TLS: " + workers);
        assertTrue(workers.stream().anyMatch(w -> w.weightSyncs() > 0), "weights were synced over TLS: " + workers);
        try (var alloc = new RootAllocator()) {
            assertEquals(2 * 24 * 3, RunDirectory.open(dir).rollouts(alloc).readAll().size());
        }

        var wrongToken = assertThrows(IllegalArgumentException.class,
                () -> new RemoteEngineFactory(RemoteSettings.of(List.of(a.address())).withTls(cert), "not-the-token").acquire());
        assertTrue(wrongToken.getMessage().contains("bearer token not accepted"), "the token still travels and is checked over TLS: " + wrongToken.getMessage());
    }

    /** Opens the factory's connections as a run's first policy does; the failure must come at once, not after wait_for_workers_s. */
    static IllegalArgumentException refusedAtConnect(RemoteSettings settings) {
        long t0 = System.nanoTime();
        var e = assertThrows(IllegalArgumentException.class, () -> new RemoteEngineFactory(settings, TOKEN).acquire());
        assertTrue(System.nanoTime() - t0 < settings.waitForWorkers().toNanos() / 4, "failed at connect, without waiting for the worker");
        return e;
    }

    @Test
    void anUntrustedCertificateFailsAtConnectNamingTheWorkerAndTheTrustedFile() {
        var e = refusedAtConnect(RemoteSettings.of(List.of(a.address())).withTls(otherCert));
        assertTrue(e.getMessage().contains("worker " + a.address()) && e.getMessage().contains("TLS handshake failed")
                && e.getMessage().contains("engine.tls.trusted_certificates " + otherCert) && e.getMessage().contains("--tls-cert"), e.getMessage());
    }

    @Test
    void expectingTlsFromAPlainWorkerOrPlainFromATlsWorkerFailsAtConnectSayingWhatToChange() {
        var tlsToPlain = refusedAtConnect(RemoteSettings.of(List.of(plain.address())).withTls(cert));
        assertTrue(tlsToPlain.getMessage().contains("worker " + plain.address() + " does not speak TLS")
                && tlsToPlain.getMessage().contains("--tls-cert") && tlsToPlain.getMessage().contains("remove engine.tls"), tlsToPlain.getMessage());
        var plainToTls = refusedAtConnect(RemoteSettings.of(List.of(a.address())));
        assertTrue(plainToTls.getMessage().contains("worker " + a.address()) && plainToTls.getMessage().contains("engine.tls: {trusted_certificates"),
                plainToTls.getMessage());
    }

    @Test
    void aWorkerRefusesToStartWithAKeyOrCertificateItCouldNotServe(@TempDir Path tmp) throws Exception {
        Path sec1 = java.nio.file.Files.writeString(tmp.resolve("ec.pem"), "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n");
        var key = assertThrows(IllegalArgumentException.class,
                () -> new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), OPTIONS, Optional.of(new FlightConfig.Tls(cert, sec1))));
        assertTrue(key.getMessage().contains("--tls-key " + sec1) && key.getMessage().contains("openssl pkcs8 -topk8"), key.getMessage());
        Path notACert = java.nio.file.Files.writeString(tmp.resolve("cert.pem"), "hello\n");
        var chain = assertThrows(IllegalArgumentException.class, () -> new WorkerServer.Config("127.0.0.1", 0, Set.of(TOKEN), OPTIONS,
                Optional.of(new FlightConfig.Tls(notACert, certs.resolve("worker-key.pem")))));
        assertTrue(chain.getMessage().contains("--tls-cert " + notACert), chain.getMessage());
    }

    @Test
    void tlsSettingsAreValidatedBeforeTheRunStarts(@TempDir Path tmp) {
        var djl = assertThrows(ConfigMap.ConfigException.class, () -> RunSpecReader.parse(TinyRun.CONFIG, tmp,
                List.of("engine.tls.trusted_certificates=" + cert), "test"));
        assertTrue(djl.getMessage().contains("engine.tls") && djl.getMessage().contains("engine.type: remote"), djl.getMessage());
        var missing = assertThrows(ConfigMap.ConfigException.class, () -> RunSpecReader.parse(TinyRun.CONFIG, tmp,
                List.of("engine.type=remote", "engine.workers=[127.0.0.1:1]", "engine.tls.trusted_certificates=nope.pem"), "test"));
        assertTrue(missing.getMessage().contains("engine.tls.trusted_certificates") && missing.getMessage().contains("nope.pem"), missing.getMessage());
        var typo = assertThrows(ConfigMap.ConfigException.class, () -> RunSpecReader.parse(TinyRun.CONFIG, tmp,
                List.of("engine.type=remote", "engine.workers=[127.0.0.1:1]", "engine.tls.trusted_certificate=" + cert), "test"));
        assertTrue(typo.getMessage().contains("engine.tls.trusted_certificate"), typo.getMessage());
    }
}
