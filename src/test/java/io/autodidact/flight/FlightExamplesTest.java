package io.autodidact.flight;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.flight.examples.UploadAndFollowExample;
import io.autodidact.store.RolloutFiles;
import io.autodidact.store.RunDirectory;
import io.autodidact.task.ProblemReader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.Location;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The documented client examples work against a real server. */
class FlightExamplesTest {

    @TempDir
    Path tmp;

    @Test
    void javaExampleUploadsADatasetAndFollowsARunToItsEnd() throws Exception {
        try (FlightFixture f = new FlightFixture(tmp)) {
            RunDirectory run = RunDirectory.create(f.runs.resolve("live"), Map.<String, Object>of(), Clock.systemUTC());
            RolloutFiles rollouts = run.rollouts(f.allocator);
            rollouts.write(1, 0, FlightRolloutsTest.sample(1, 0, 4));

            ExecutorService pool = Executors.newSingleThreadExecutor();
            CompletableFuture<UploadAndFollowExample.Outcome> example = CompletableFuture.supplyAsync(() -> {
                try {
                    return UploadAndFollowExample.run(Location.forGrpcInsecure("localhost", f.service.port()), FlightFixture.TOKEN,
                            "arith-demo", "live");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            pool.shutdown();
            Thread.sleep(300);
            rollouts.write(1, 1, FlightRolloutsTest.sample(1, 1, 6));
            run.writeSummary(Map.of("done", true));

            UploadAndFollowExample.Outcome outcome = example.get(20, TimeUnit.SECONDS);
            assertEquals(new UploadAndFollowExample.Outcome(3, 10, 5), outcome);
            assertEquals("4", ProblemReader.read(f.datasets.resolve("arith-demo.arrow")).get(2).answer().orElseThrow());
        }
    }
}
