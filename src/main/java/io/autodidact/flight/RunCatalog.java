package io.autodidact.flight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.memory.BufferAllocator;

/** The runs folder: every subfolder holding a {@code format.json} is a run, named by the folder. */
final class RunCatalog {

    private final Path root;
    private final BufferAllocator allocator;

    RunCatalog(Path root, BufferAllocator allocator) {
        this.root = root;
        this.allocator = allocator;
    }

    /** Run ids, sorted. */
    List<String> runIds() {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(root)) return ids;
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                if (FlightPath.RUN_ID.matcher(name).matches() && Files.isRegularFile(child.resolve("format.json"))) ids.add(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list runs in " + root + ": " + e.getMessage(), e);
        }
        ids.sort(null);
        return ids;
    }

    /** The run {@code runId}, or NOT_FOUND naming the runs folder. */
    RunFolder run(String runId) {
        Path dir = root.resolve(runId);
        if (!FlightPath.RUN_ID.matcher(runId).matches() || !Files.isRegularFile(dir.resolve("format.json")))
            throw CallStatus.NOT_FOUND.withDescription("no run '" + runId + "' in " + root + "; list runs with ListFlights"
                    + " or the list-runs action").toRuntimeException();
        return new RunFolder(runId, dir, allocator);
    }
}
