package io.autodidact.flight;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/** A real Flight server on an ephemeral port over temp folders, and a client for it; every call gets a deadline. */
final class FlightFixture implements AutoCloseable {

    static final String TOKEN = "test-token-1";

    final Path runs;
    final Path datasets;
    final FlightService service;
    final BufferAllocator allocator = new RootAllocator();
    final FlightClient client;

    FlightFixture(Path tmp) throws Exception {
        this(tmp, config -> config);
    }

    FlightFixture(Path tmp, java.util.function.UnaryOperator<FlightConfig> tweak) throws Exception {
        runs = Files.createDirectories(tmp.resolve("runs"));
        datasets = tmp.resolve("datasets");
        FlightConfig config = FlightConfig.of(List.of(TOKEN)).withHost("localhost").withPort(0).withRoots(runs, datasets)
                .withFollow(Duration.ofSeconds(5), Duration.ofMillis(50));
        service = FlightService.start(tweak.apply(config));
        client = FlightClient.builder(allocator, Location.forGrpcInsecure("localhost", service.port())).build();
    }

    /** The token and a 20 s deadline: a server-side failure must fail the test, not hang it. */
    static CallOption[] auth() {
        return new CallOption[] {new CredentialCallOption(new BearerCredentialWriter(TOKEN)), CallOptions.timeout(20, TimeUnit.SECONDS)};
    }

    static CallOption[] token(String token) {
        return new CallOption[] {new CredentialCallOption(new BearerCredentialWriter(token)), CallOptions.timeout(20, TimeUnit.SECONDS)};
    }

    static CallOption[] noToken() {
        return new CallOption[] {CallOptions.timeout(20, TimeUnit.SECONDS)};
    }

    @Override
    public void close() throws Exception {
        client.close();
        service.close();
        allocator.close();
    }
}
