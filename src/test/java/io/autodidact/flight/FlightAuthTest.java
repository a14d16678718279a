package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.testing.Certificates;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every call needs an accepted bearer token; with a certificate the server speaks TLS. */
class FlightAuthTest {

    @TempDir
    Path tmp;

    /** One of each Flight call this server answers, made with {@code options}. */
    static Map<String, Executable> everyCall(FlightFixture f, CallOption[] options) {
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("ListFlights", () -> f.client.listFlights(new Criteria(new byte[0]), options).forEach(i -> {}));
        calls.put("GetFlightInfo", () -> f.client.getInfo(FlightDescriptor.path("datasets", "d"), options));
        calls.put("GetSchema", () -> f.client.getSchema(FlightDescriptor.path("datasets", "d"), options));
        calls.put("DoGet", () -> {
            try (FlightStream s = f.client.getStream(FlightRequest.of(new FlightPath.Dataset("d")).toTicket(), options)) {
                s.next();
            }
        });
        calls.put("DoPut", () -> {
            try (VectorSchemaRoot root = FlightDatasetTest.problems(f.allocator, 0, 2)) {
                FlightClient.ClientStreamListener put = f.client.startPut(FlightDescriptor.path("datasets", "e"), root, new SyncPutListener(), options);
                put.putNext();
                put.completed();
                put.getResult();
            }
        });
        calls.put("DoAction", () -> f.client.doAction(new Action("list-runs"), options).next());
        calls.put("ListActions", () -> f.client.listActions(options).forEach(a -> {}));
        calls.put("Handshake", () -> f.client.handshake(options));
        return calls;
    }

    @Test
    void everyCallWithoutOrWithAWrongTokenIsUnauthenticatedAndWithOneSucceeds() throws Throwable {
        try (FlightFixture f = new FlightFixture(tmp)) {
            FlightDatasetTest.upload(f.client, FlightDescriptor.path("datasets", "d"), 2);
            List<String> failures = new ArrayList<>();
            for (CallOption[] bad : List.of(FlightFixture.noToken(), FlightFixture.token("wrong-token"))) {
                for (var call : everyCall(f, bad).entrySet()) {
                    try {
                        call.getValue().execute();
                        failures.add(call.getKey() + " succeeded without a valid token");
                    } catch (FlightRuntimeException e) {
                        if (e.status().code() != FlightStatusCode.UNAUTHENTICATED) failures.add(call.getKey() + ": " + e.status());
                    }
                }
            }
            assertEquals(List.of(), failures);
            assertFalse(Files.exists(f.datasets.resolve("e.arrow")), "an unauthenticated upload stores nothing");
            for (var call : everyCall(f, FlightFixture.auth()).entrySet()) assertDoesNotThrow(call.getValue(), call.getKey());
            assertTrue(Files.exists(f.datasets.resolve("e.arrow")));
        }
    }

    @Test
    void tokenFromTheEnvironmentIsAcceptedBesidesTheConfiguredOnes() {
        var tokens = FlightConfig.tokensWithEnvironment(List.of("a"), Map.of(FlightConfig.TOKEN_ENV, "from-env"));
        assertEquals(List.of("a", "from-env"), List.copyOf(tokens));
        var e = assertThrows(IllegalArgumentException.class, () -> FlightConfig.of(FlightConfig.tokensWithEnvironment(List.of(), Map.of())));
        assertTrue(e.getMessage().contains("--token") && e.getMessage().contains(FlightConfig.TOKEN_ENV), e.getMessage());
    }

    @Test
    void withACertificateTheServerSpeaksTlsAndStillChecksTokens() throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        Certificates.selfSigned(cert, key);
        try (FlightFixture f = new FlightFixture(tmp, c -> c.withTls(new FlightConfig.Tls(cert, key)));
                InputStream trusted = Files.newInputStream(cert);
                FlightClient tls = FlightClient.builder(f.allocator, Location.forGrpcTls("localhost", f.service.port()))
                        .trustedCertificates(trusted).build()) {
            assertTrue(f.service.address().startsWith("grpc+tls://"), f.service.address());
            List<String> actions = new ArrayList<>();
            tls.listActions(FlightFixture.auth()).forEach(a -> actions.add(a.getType()));
            assertEquals(List.of("list-runs", "run-status", "delete-dataset"), actions);
            var e = assertThrows(FlightRuntimeException.class, () -> tls.listActions(FlightFixture.noToken()).forEach(a -> {}));
            assertEquals(FlightStatusCode.UNAUTHENTICATED, e.status().code());
            assertThrows(FlightRuntimeException.class, () -> f.client.listActions(FlightFixture.auth()).forEach(a -> {}),
                    "a plaintext client cannot talk to the TLS server");
        }
    }
}
