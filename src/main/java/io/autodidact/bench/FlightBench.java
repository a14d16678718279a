package io.autodidact.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.autodidact.flight.FlightConfig;
import io.autodidact.flight.FlightService;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.autodidact.loop.Rollout;
import io.autodidact.store.RolloutFiles;
import io.autodidact.store.RunDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * {@code autodidact bench flight}: the data plane against a REST-style JSON endpoint, in one run over loopback.
 * Writes a synthetic run of realistic rollouts (token lists, logprobs, text) as part files, then measures DoGet with
 * 1 and 4 concurrent streams, DoPut (the same columns as a dataset) with 1 and 4, and the same rollouts served as
 * Jackson-serialised JSON by the JDK's HTTP server and parsed by the client. Throughput is Arrow data bytes (the
 * record batches' buffers) per second for every path, so the JSON figure is the same rollouts per second.
 */
public final class FlightBench {

    /** @param bytes target size of the synthetic rollout set; @param dataDir scratch folder (emptied before and after) */
    public record Options(long bytes, int streams, Path dataDir) {
        public Options {
            if (bytes < 1 << 20) throw new IllegalArgumentException("bytes must be >= 1 MiB, got " + bytes);
            if (streams < 1) throw new IllegalArgumentException("streams must be >= 1, got " + streams);
        }
    }

    private static final String TOKEN = "bench-token";
    private static final String RUN = "bench";
    private static final int ROWS_PER_PART = 4096;
    private static final CallOption AUTH = new CredentialCallOption(new BearerCredentialWriter(TOKEN));

    private FlightBench() {}

    public static Map<String, Object> run(Options o, Consumer<String> log) throws Exception {
        deleteTree(o.dataDir());
        Path runs = Files.createDirectories(o.dataDir().resolve("runs"));
        Map<String, Object> r = new LinkedHashMap<>();
        try (BufferAllocator allocator = new RootAllocator()) {
            long t0 = System.nanoTime();
            long rows = writeRollouts(runs.resolve(RUN), o.bytes(), o.streams(), allocator);
            List<Path> parts = partFiles(runs.resolve(RUN));
            long fileBytes = 0;
            for (Path p : parts) fileBytes += Files.size(p);
            log.accept(String.format("wrote %d rollouts in %d parts, %.2f GB, in %.1f s", rows, parts.size(), fileBytes / 1e9,
                    (System.nanoTime() - t0) / 1e9));
            r.put("rows", rows);
            r.put("parts", parts.size());
            r.put("file_bytes", fileBytes);

            FlightConfig config = FlightConfig.of(List.of(TOKEN)).withHost("localhost").withPort(0)
                    .withRoots(runs, o.dataDir().resolve("datasets"));
            try (FlightService service = FlightService.start(config)) {
                // The client's HTTP/2 window as large as the server's: with gRPC's default 1 MiB a loopback DoGet keeps
                // waiting for window updates. Any client can set it; pyarrow's (C++ gRPC) grows its window by BDP probing.
                ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", service.port()).usePlaintext()
                        .flowControlWindow(FlightService.FLOW_WINDOW).maxInboundMessageSize(Integer.MAX_VALUE).build();
                try (FlightClient client = FlightGrpcUtils.createFlightClient(allocator, channel)) {
                    DoGetReader reader = new DoGetReader(channel, TOKEN, allocator);
                    String all = "runs/" + RUN + "/rollouts";
                    // Warm-up, a whole DoGet with each client: JIT (one iteration's worth left the reader half-compiled on 2
                    // busy cores), connections, page cache.
                    doGet(reader, all);
                    doGet(client, all);
                    Measure get1 = time(() -> doGet(reader, all));
                    log.accept("DoGet, 1 stream: " + get1);
                    Measure getN = concurrently(o.streams(), i -> () -> doGet(reader, all + "/" + (i + 1)));
                    log.accept("DoGet, " + o.streams() + " streams: " + getN);
                    Measure getStock = time(() -> doGet(client, all));
                    log.accept("DoGet, 1 stream, Arrow's FlightClient: " + getStock);
                    if (getStock.bytes() != get1.bytes())
                        throw new IllegalStateException("FlightClient received " + getStock.bytes() + " Arrow bytes but the bench's reader "
                                + get1.bytes() + "; the reader is wrong");
                    Measure put1 = time(() -> doPut(client, allocator, parts, "put-all"));
                    log.accept("DoPut, 1 stream: " + put1);
                    List<List<Path>> byIteration = byIteration(parts, o.streams());
                    Measure putN = concurrently(o.streams(), i -> () -> doPut(client, allocator, byIteration.get(i), "put-" + i));
                    log.accept("DoPut, " + o.streams() + " streams: " + putN);
                    r.put("doget_gb_per_s", get1.gbPerSecond());
                    r.put("doget_4streams_gb_per_s", getN.gbPerSecond());
                    r.put("doget_flightclient_gb_per_s", getStock.gbPerSecond());
                    r.put("doput_gb_per_s", put1.gbPerSecond());
                    r.put("doput_4streams_gb_per_s", putN.gbPerSecond());
                    r.put("doget_cpu_s_per_gb", get1.cpuPerGb());
                    r.put("doget_flightclient_cpu_s_per_gb", getStock.cpuPerGb());
                    r.put("doput_cpu_s_per_gb", put1.cpuPerGb());
                    r.put("arrow_bytes", get1.bytes());
                    r.put("doget_seconds", get1.seconds());
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                long arrowBytes = (Long) r.get("arrow_bytes");
                double getRate = (Double) r.get("doget_gb_per_s");
                Measure json = jsonOverHttp(runs.resolve(RUN), allocator, true);
                log.accept("JSON over HTTP (Jackson both sides): " + json);
                Measure jsonWire = jsonOverHttp(runs.resolve(RUN), allocator, false);
                log.accept("JSON over HTTP, client reads bytes without parsing: " + jsonWire);
                // JSON rates are in Arrow bytes of the same rollouts, so the ratio is the ratio of times.
                double jsonRate = arrowBytes / json.seconds() / 1e9;
                r.put("json_gb_per_s", jsonRate);
                r.put("json_unparsed_gb_per_s", arrowBytes / jsonWire.seconds() / 1e9);
                r.put("json_cpu_s_per_gb", json.cpuSeconds() / (arrowBytes / 1e9));
                r.put("json_wire_bytes", json.bytes());
                r.put("json_seconds", json.seconds());
                r.put("flight_vs_json_ratio", getRate / jsonRate);
            }
        } finally {
            deleteTree(o.dataDir());
        }
        return r;
    }

    /** Bytes moved, the wall time it took and the CPU time the whole process (server and client) spent meanwhile. */
    record Measure(long bytes, double seconds, double cpuSeconds) {
        double gbPerSecond() {
            return bytes / seconds / 1e9;
        }

        double cpuPerGb() {
            return cpuSeconds / (bytes / 1e9);
        }

        @Override
        public String toString() {
            return String.format("%.2f GB in %.2f s = %.3f GB/s, %.2f CPU-s/GB", bytes / 1e9, seconds, gbPerSecond(), cpuPerGb());
        }
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static Measure time(Callable<Long> work) throws Exception {
        double cpu = cpuSeconds();
        long t0 = System.nanoTime();
        long bytes = work.call();
        return new Measure(bytes, (System.nanoTime() - t0) / 1e9, cpuSeconds() - cpu);
    }

    private static Measure concurrently(int n, java.util.function.IntFunction<Callable<Long>> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            double cpu = cpuSeconds();
            long t0 = System.nanoTime();
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) futures.add(pool.submit(work.apply(i)));
            long bytes = 0;
            for (Future<Long> f : futures) bytes += f.get(1, TimeUnit.HOURS);
            return new Measure(bytes, (System.nanoTime() - t0) / 1e9, cpuSeconds() - cpu);
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] ticket(String path) {
        return ("{\"path\": \"" + path + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static long doGet(DoGetReader reader, String path) {
        return reader.read(ticket(path), 1, TimeUnit.HOURS);
    }

    private static long doGet(FlightClient client, String path) throws Exception {
        long bytes = 0;
        try (FlightStream stream = client.getStream(new Ticket(ticket(path)), AUTH, CallOptions.timeout(1, TimeUnit.HOURS))) {
            while (stream.next()) bytes += dataBytes(stream.getRoot());
        }
        return bytes;
    }

    /** Uploads the rollout columns of {@code parts} as dataset {@code name} (id and prompt added, as a dataset needs). */
    private static long doPut(FlightClient client, BufferAllocator allocator, List<Path> parts, String name) throws Exception {
        long bytes = 0;
        try (BufferAllocator mine = allocator.newChildAllocator(name, 0, Long.MAX_VALUE)) {
            VectorSchemaRoot put = null;
            FlightClient.ClientStreamListener listener = null;
            SyncPutListener result = new SyncPutListener();
            long row = 0;
            try {
                for (Path part : parts) {
                    try (ArrowFileReader reader = new ArrowFileReader(FileChannel.open(part, StandardOpenOption.READ), mine)) {
                        VectorSchemaRoot in = reader.getVectorSchemaRoot();
                        if (put == null) {
                            List<Field> fields = new ArrayList<>();
                            fields.add(new Field("id", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
                            fields.add(new Field("prompt", FieldType.notNullable(ArrowType.Utf8.INSTANCE), null));
                            fields.addAll(in.getSchema().getFields());
                            put = VectorSchemaRoot.create(new Schema(fields), mine);
                            listener = client.startPut(FlightDescriptor.path("datasets", name + "?replace=true"), put, result,
                                    AUTH, CallOptions.timeout(1, TimeUnit.HOURS));
                            // Hand gRPC the batch's buffers instead of copying them: safe here because every batch gets
                            // new buffers (the reader loads fresh ones, id and prompt are allocated anew) and the
                            // message holds its own reference until Netty has written it.
                            listener.setUseZeroCopy(true);
                        }
                        while (reader.loadNextBatch()) {
                            int n = in.getRowCount();
                            VarCharVector id = (VarCharVector) put.getVector("id");
                            VarCharVector prompt = (VarCharVector) put.getVector("prompt");
                            id.allocateNew(n);
                            prompt.allocateNew(n);
                            for (int i = 0; i < n; i++) {
                                id.setSafe(i, Long.toString(row + i).getBytes(StandardCharsets.UTF_8));
                                prompt.setSafe(i, PROMPT);
                            }
                            id.setValueCount(n);
                            prompt.setValueCount(n);
                            for (FieldVector v : in.getFieldVectors()) v.makeTransferPair(put.getVector(v.getName())).transfer();
                            put.setRowCount(n);
                            bytes += dataBytes(put);
                            awaitReady(listener, result);
                            listener.putNext();
                            row += n;
                        }
                    }
                }
                if (listener != null) {
                    listener.completed();
                    listener.getResult();
                }
            } finally {
                if (put != null) put.close();
            }
        }
        return bytes;
    }

    /**
     * Waits for gRPC to take another message. {@code putNext} waits too, but by spinning on {@code isReady()}, which
     * on 2 cores takes a core from the server it is waiting for (a quarter of an upload's CPU samples).
     */
    private static void awaitReady(FlightClient.ClientStreamListener listener, SyncPutListener result) {
        long pause = 20_000;
        while (!listener.isReady() && !result.isCancelled()) { // a call the server ended is never ready again
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 1_000_000);
        }
    }

    private static final byte[] PROMPT = "Solve: what is 1234 + 5678? Think step by step.".getBytes(StandardCharsets.UTF_8);

    /** Serves the rollouts as a JSON array (one object per row, Jackson from {@link Rollout}) and fetches them once. */
    private static Measure jsonOverHttp(Path runDir, BufferAllocator allocator, boolean parse) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        RolloutFiles files = new RolloutFiles(runDir.resolve("rollouts"), RUN, allocator);
        HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/runs/" + RUN + "/rollouts", exchange -> {
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = exchange.getResponseBody();
                    JsonGenerator json = mapper.getFactory().createGenerator(new java.io.BufferedOutputStream(body, 1 << 16))) {
                json.writeStartArray();
                for (int it : files.iterations())
                    for (int p : files.parts(it))
                        for (Rollout r : files.read(it, p)) mapper.writeValue(json, r);
                json.writeEndArray();
            }
        });
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://localhost:" + server.getAddress().getPort() + "/runs/" + RUN + "/rollouts");
            double cpu = cpuSeconds();
            long t0 = System.nanoTime();
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
            CountingStream in = new CountingStream(response.body());
            long rows = 0;
            if (parse) {
                try (JsonParser parser = mapper.getFactory().createParser(in)) {
                    if (parser.nextToken() != JsonToken.START_ARRAY) throw new IOException("expected a JSON array");
                    while (parser.nextToken() == JsonToken.START_OBJECT) {
                        mapper.readTree(parser); // what a REST client does: decode every row
                        rows++;
                    }
                }
            } else {
                in.transferTo(OutputStream.nullOutputStream());
            }
            in.close();
            return new Measure(in.count, (System.nanoTime() - t0) / 1e9, cpuSeconds() - cpu);
        } finally {
            server.stop(0);
            ((ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    private static long dataBytes(VectorSchemaRoot root) {
        long bytes = 0;
        for (FieldVector v : root.getFieldVectors()) bytes += v.getBufferSize();
        return bytes;
    }

    /** Writes rollouts until the part files reach {@code bytes}, spread over {@code iterations} iterations. */
    static long writeRollouts(Path runDir, long bytes, int iterations, BufferAllocator allocator) {
        RunDirectory run = RunDirectory.create(runDir, Map.<String, Object>of("name", RUN), Clock.systemUTC());
        RolloutFiles files = run.rollouts(allocator);
        SplittableRandom random = new SplittableRandom(42);
        long written = 0, rows = 0;
        int part = 0;
        while (written < bytes) {
            int iteration = 1 + part % iterations;
            List<Rollout> batch = new ArrayList<>(ROWS_PER_PART);
            for (int i = 0; i < ROWS_PER_PART; i++) batch.add(rollout(random, iteration, part, i));
            try {
                written += Files.size(files.write(iteration, part / iterations, batch));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            rows += batch.size();
            part++;
        }
        run.writeSummary(Map.of("synthetic", true));
        return rows;
    }

    /** A rollout shaped like a math-reasoning sample: ~100 prompt tokens, ~300 completion tokens with logprobs and text. */
    private static Rollout rollout(SplittableRandom random, int iteration, int part, int i) {
        int[] prompt = new int[64 + random.nextInt(64)];
        for (int k = 0; k < prompt.length; k++) prompt[k] = random.nextInt(150_000);
        int[] completion = new int[128 + random.nextInt(384)];
        float[] logprobs = new float[completion.length];
        StringBuilder text = new StringBuilder(completion.length * 4);
        for (int k = 0; k < completion.length; k++) {
            completion[k] = random.nextInt(150_000);
            logprobs[k] = (float) -random.nextExponential();
            text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return new Rollout(iteration, "problem-" + part + "-" + (i / 8), i % 8, prompt, completion, logprobs, text.toString(),
                random.nextInt(10) == 0 ? "length" : "eos", 0.8, random.nextInt(2), random.nextBoolean(), random.nextInt(4) == 0,
                random.nextGaussian(), "");
    }

    private static final String[] WORDS = {"the", "sum", "of", "carry", "digit", "so", "we", "get", "therefore", "answer", "is", "=",
            "+", "12", "7", "3", "first", "add", "then", "write"};

    private static List<Path> partFiles(Path runDir) throws IOException {
        try (Stream<Path> files = Files.walk(runDir.resolve("rollouts"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".arrow")).sorted().toList();
        }
    }

    private static List<List<Path>> byIteration(List<Path> parts, int n) {
        List<List<Path>> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) groups.add(new ArrayList<>());
        for (Path p : parts) {
            int iteration = Integer.parseInt(p.getParent().getFileName().toString().substring("iter-".length()));
            groups.get((iteration - 1) % n).add(p);
        }
        return groups;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Counts the bytes read through it. */
    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }
    }
}
