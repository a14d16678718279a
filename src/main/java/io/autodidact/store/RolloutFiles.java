package io.autodidact.store;

import io.autodidact.loop.Rollout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.InvalidArrowFileException;

/**
 * A run's rollouts as Arrow IPC files, {@code rollouts/iter-NNNN/part-NNNNN.arrow}, one per
 * generated batch, in the {@link RolloutSchema} layout. Parts are written whole or not at all
 * (temp file + rename), so Flight can serve (memory-map) them while the loop writes. Later stages
 * (SCORE, SELECT) {@link #rewrite} a part in place: the rename swaps it atomically, and a reader
 * that already mapped the old file keeps the old inode.
 */
public final class RolloutFiles {

    private static final Pattern PART = Pattern.compile("part-(\\d{5,9})\\.arrow");

    private final Path root;
    private final String runId;
    private final BufferAllocator allocator;

    /**
     * @param root      the {@code rollouts/} folder of the run
     * @param runId     written into every row's {@code run_id} column
     * @param allocator Arrow memory for encoding and decoding; owned by the caller
     */
    public RolloutFiles(Path root, String runId, BufferAllocator allocator) {
        this.root = Objects.requireNonNull(root, "root must not be null");
        this.runId = Objects.requireNonNull(runId, "runId must not be null");
        if (runId.isBlank()) throw new IllegalArgumentException("runId must not be blank");
        this.allocator = Objects.requireNonNull(allocator, "allocator must not be null; pass the service's RootAllocator");
    }

    /** Where part {@code part} of {@code iteration} lives (whether or not it exists yet). */
    public Path partFile(int iteration, int part) {
        if (part < 0) throw new IllegalArgumentException("part must be >= 0, got " + part);
        return iterationDir(iteration).resolve(String.format("part-%05d.arrow", part));
    }

    /** Writes {@code rollouts} as part {@code part} of {@code iteration}, replacing any earlier attempt. */
    public Path write(int iteration, int part, List<Rollout> rollouts) {
        Path file = partFile(iteration, part);
        requireKeys(iteration, file, rollouts);
        IterationDirs.create(file.getParent());
        encode(file, rollouts);
        return file;
    }

    /**
     * Replaces an existing part with {@code rollouts} carrying new scores, selections or
     * advantages. The rows must keep their keys (problem id, sample index): a stage may update
     * rows, not add or drop them.
     */
    public Path rewrite(int iteration, int part, List<Rollout> rollouts) {
        Path file = partFile(iteration, part);
        if (!Files.isRegularFile(file))
            throw new IllegalStateException("cannot rewrite " + file + ": it does not exist; write the part first");
        requireKeys(iteration, file, rollouts);
        Map<Key, Integer> before = keyCounts(read(iteration, part));
        Map<Key, Integer> after = keyCounts(rollouts);
        if (!before.equals(after))
            throw new IllegalArgumentException("rewrite of " + file + " changes which rollouts it holds (" + before.size()
                    + " keys before, " + after.size() + " after); a stage may update rows but not add or drop them");
        encode(file, rollouts);
        return file;
    }

    /** The rollouts of one part, in written order. */
    public List<Rollout> read(int iteration, int part) {
        return decode(partFile(iteration, part));
    }

    /** All rollouts of {@code iteration}, part by part. */
    public List<Rollout> readIteration(int iteration) {
        List<Rollout> all = new ArrayList<>();
        for (int part : parts(iteration)) all.addAll(read(iteration, part));
        return all;
    }

    /** All rollouts of the run, iteration by iteration. */
    public List<Rollout> readAll() {
        List<Rollout> all = new ArrayList<>();
        for (int iteration : iterations()) all.addAll(readIteration(iteration));
        return all;
    }

    /** The parts written for {@code iteration}, ascending. */
    public List<Integer> parts(int iteration) {
        Path dir = iterationDir(iteration);
        List<Integer> parts = new ArrayList<>();
        if (!Files.isDirectory(dir)) return parts;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Matcher m = PART.matcher(p.getFileName().toString());
                if (m.matches()) parts.add(Integer.parseInt(m.group(1)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list rollout parts in " + dir + ": " + e.getMessage(), e);
        }
        parts.sort(null);
        return parts;
    }

    /** The iterations that have a rollouts folder, ascending. */
    public List<Integer> iterations() {
        return IterationDirs.list(root);
    }

    private Path iterationDir(int iteration) {
        return root.resolve(IterationDirs.name(iteration));
    }

    private void encode(Path file, List<Rollout> rollouts) {
        try (BufferAllocator child = allocator.newChildAllocator("write " + file.getFileName(), 0, Long.MAX_VALUE);
                VectorSchemaRoot batch = VectorSchemaRoot.create(RolloutSchema.schema(runId), child)) {
            RolloutSchema.fill(batch, runId, rollouts);
            AtomicFiles.write(file, channel -> {
                try (ArrowFileWriter writer = new ArrowFileWriter(batch, null, new KeepOpen(channel))) {
                    writer.start();
                    writer.writeBatch();
                    writer.end();
                }
            });
        }
    }

    private List<Rollout> decode(Path file) {
        try (BufferAllocator child = allocator.newChildAllocator("read " + file.getFileName(), 0, Long.MAX_VALUE);
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                ArrowFileReader reader = new ArrowFileReader(channel, child)) {
            VectorSchemaRoot batch = reader.getVectorSchemaRoot();
            String problem = RolloutSchema.incompatibility(batch.getSchema());
            if (!problem.isEmpty()) throw new UnsupportedFormatException("cannot read rollouts from " + file + ": " + problem);
            List<Rollout> rollouts = new ArrayList<>();
            while (reader.loadNextBatch()) rollouts.addAll(RolloutSchema.rows(batch));
            return rollouts;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no rollout part " + file + "; list the parts that exist with parts()", e);
        } catch (InvalidArrowFileException e) {
            throw new StoreCorruptedException(file + " is not a complete Arrow IPC file (" + e.getMessage()
                    + "); delete it and redo the stage that wrote it", e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read rollouts from " + file + ": " + e.getMessage(), e);
        }
    }

    private static void requireKeys(int iteration, Path file, List<Rollout> rollouts) {
        Objects.requireNonNull(rollouts, "rollouts must not be null; pass an empty list");
        Map<Key, Integer> counts = new HashMap<>();
        for (Rollout r : rollouts) {
            if (r.iteration() != iteration)
                throw new IllegalArgumentException("rollout " + r.problemId() + "#" + r.sampleIndex() + " belongs to iteration "
                        + r.iteration() + " but is being written to " + file);
            if (counts.merge(key(r), 1, Integer::sum) > 1)
                throw new IllegalArgumentException("rollout " + key(r) + " appears twice in " + file
                        + "; each (problem, sample index) must be unique");
        }
    }

    private static Map<Key, Integer> keyCounts(List<Rollout> rollouts) {
        Map<Key, Integer> counts = new HashMap<>();
        for (Rollout r : rollouts) counts.merge(key(r), 1, Integer::sum);
        return counts;
    }

    private static Key key(Rollout r) {
        return new Key(r.problemId(), r.sampleIndex());
    }

    /** What makes a rollout unique within an iteration. */
    private record Key(String problemId, int sampleIndex) {
        @Override
        public String toString() {
            return problemId + "#" + sampleIndex;
        }
    }

    /** Lets the Arrow writer close "its" channel while {@link AtomicFiles} still needs it to fsync. */
    private record KeepOpen(WritableByteChannel delegate) implements WritableByteChannel {
        @Override
        public int write(ByteBuffer src) throws IOException {
            return delegate.write(src);
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() {
            // Closing is AtomicFiles' job, after the fsync.
        }
    }
}
