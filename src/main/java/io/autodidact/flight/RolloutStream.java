package io.autodidact.flight;

import io.autodidact.store.RolloutSchema;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A DoGet of a run's rollouts: every part file present, in (iteration, part) order, each sent once. With
 * {@code follow}, the stream then keeps looking for new parts every {@code poll} and ends when the run has ended
 * ({@code summary.json} exists; the parts present at that moment are all sent first) or when no new part has
 * appeared for {@code idleTimeout} (a crashed or stalled run). Parts are sent in the version present when first
 * seen: a part sent live may predate SCORE and SELECT (reward 0, not selected); a later non-follow DoGet gives
 * the final values.
 */
final class RolloutStream {

    private final RunFolder run;
    private final OptionalInt iteration;
    private final BufferAllocator allocator;

    RolloutStream(RunFolder run, OptionalInt iteration, BufferAllocator allocator) {
        this.run = run;
        this.iteration = iteration;
        this.allocator = allocator;
    }

    void send(ServerStreamListener listener, boolean follow, Duration idleTimeout, Duration poll) throws IOException, InterruptedException {
        try (BatchSender sender = new BatchSender(listener, RolloutSchema.schema(run.runId()), allocator)) {
            Set<RunFolder.Part> sent = new HashSet<>();
            long lastNews = System.nanoTime();
            while (true) {
                // Read "ended" before listing: summary.json is written after the last part, so this listing then holds them all.
                boolean ended = run.ended();
                List<RunFolder.Part> parts = run.parts(iteration);
                boolean news = false;
                for (RunFolder.Part part : parts) {
                    if (!sent.add(part)) continue;
                    news = true;
                    if (!sendPart(sender, part)) return;
                }
                if (!follow || ended) break;
                if (news) lastNews = System.nanoTime();
                else if (System.nanoTime() - lastNews >= idleTimeout.toNanos()) break;
                if (sender.cancelled()) return;
                Thread.sleep(poll.toMillis());
            }
            sender.complete();
        }
    }

    private boolean sendPart(BatchSender sender, RunFolder.Part part) throws IOException {
        try (MappedIpcFile file = MappedIpcFile.open(part.file(), allocator)) {
            String problem = RolloutSchema.incompatibility(file.schema());
            if (!problem.isEmpty()) throw new IOException("cannot serve " + part.file() + ": " + problem);
            return sender.send(file);
        }
    }
}
