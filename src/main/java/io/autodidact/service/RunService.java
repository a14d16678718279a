package io.autodidact.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.loop.RunSpec;
import io.autodidact.loop.RunSpecReader;
import io.autodidact.run.LoopRunner;
import io.autodidact.run.RunLauncher;
import io.autodidact.store.AtomicFiles;
import io.autodidact.store.RunDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run queue a service owns: runs execute in submission order on a fixed number of workers, each in
 * its own directory under the runs root. A run's status lives in its directory ({@code service.json}),
 * so a restarted service finds the runs that were queued or running and resumes them from their journals.
 */
public final class RunService implements AutoCloseable {
    static final String STATUS_FILE = "service.json";
    private static final Logger LOG = LoggerFactory.getLogger(RunService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Function<RunSpec, EngineFactory> engines;
    private final ExecutorService workers;
    private final Map<String, ServiceRun> runs = new ConcurrentHashMap<>();
    private final List<java.util.function.BiConsumer<String, RunEvent>> observers = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RunService(Path root, int concurrency, Function<RunSpec, EngineFactory> engines) {
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
        this.root = root.toAbsolutePath().normalize();
        this.engines = engines;
        this.workers = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "autodidact-run");
            t.setDaemon(true);
            return t;
        });
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create runs root " + this.root, e);
        }
        recover();
    }

    public Path root() {
        return root;
    }

    /** Finds runs a previous service left queued or running and queues them again, oldest first. */
    private void recover() {
        List<ServiceRun> resumable = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(p -> Files.isRegularFile(p.resolve(STATUS_FILE))).toList()) {
                try {
                    Map<?, ?> saved = JSON.readValue(dir.resolve(STATUS_FILE).toFile(), Map.class);
                    RunStatus status = RunStatus.valueOf(((String) saved.get("status")).toUpperCase());
                    Map<String, Object> config = RunDirectory.open(dir).readRunConfig();
                    Object recipe = config.get("recipe") instanceof Map<?, ?> r ? r.get("name") : "star";
                    int iterations = config.get("iterations") instanceof Number n ? n.intValue() : 0;
                    ServiceRun run = new ServiceRun(dir.getFileName().toString(), dir, String.valueOf(recipe), iterations,
                            Instant.parse((String) saved.get("submitted")), status, this::broadcast);
                    if (saved.get("error") instanceof String e) run.status(status, e);
                    run.restoreIteration(Math.max(0, RunDirectory.open(dir).metrics().read().size() - 1));
                    runs.put(run.id, run);
                    if (status.active()) resumable.add(run);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("skipping {}: cannot read its service status ({})", dir, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list runs root " + root, e);
        }
        resumable.sort(Comparator.comparing(r -> r.submitted));
        for (ServiceRun run : resumable) {
            LOG.info("resuming run {} ({} before the restart)", run.id, run.status().label());
            setStatus(run, RunStatus.QUEUED, "");
            workers.submit(() -> execute(run, Optional.empty()));
        }
    }

    /** Validates a config (YAML or JSON), creates its run directory and queues it. Config errors throw before anything is created. */
    public Map<String, Object> submit(String configText) {
        RunSpec spec = RunSpecReader.parse(configText, Path.of("").toAbsolutePath(), List.of(), "request body");
        Path dir = RunLauncher.defaultRunDir(root, spec).toAbsolutePath().normalize();
        ServiceRun run = new ServiceRun(dir.getFileName().toString(), dir, spec.recipe().name(), spec.iterations(),
                Instant.now(), RunStatus.QUEUED, this::broadcast);
        // The runner built while validating is the one that runs first: the workload (and any Python reward it
        // loaded) is made once, not again at execution.
        LoopRunner runner = RunLauncher.start(spec, dir, attached(run).apply(spec), run).runner();
        runs.put(run.id, run);
        setStatus(run, RunStatus.QUEUED, "");
        workers.submit(() -> execute(run, Optional.of(runner)));
        return run.view();
    }

    /** Runs {@code prepared} if given (a fresh submission), otherwise resumes the run from its directory. */
    private void execute(ServiceRun run, Optional<LoopRunner> prepared) {
        if (run.status() != RunStatus.QUEUED) return; // cancelled or paused while waiting
        run.clearStop();
        setStatus(run, RunStatus.RUNNING, "");
        try {
            LoopRunner runner = prepared.orElseGet(() -> RunLauncher.resume(run.dir, attached(run), run).runner());
            runner.run();
            setStatus(run, RunStatus.COMPLETED, "");
        } catch (RunStopped stopped) {
            setStatus(run, stopped.status, "");
        } catch (RuntimeException | Error e) {
            LOG.error("run {} failed", run.id, e);
            setStatus(run, RunStatus.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The engine factories for {@code run}, each attached to it so its workers show in the run's status and events. */
    private Function<RunSpec, EngineFactory> attached(ServiceRun run) {
        return spec -> {
            EngineFactory f = engines.apply(spec);
            run.attach(f);
            return f;
        };
    }

    /**
     * The workers of every run that used remote engines, oldest run first, keyed by run and execution ({@code id#n}: a
     * resumed run's new execution counts from zero again).
     */
    public Map<String, List<WorkerStatus>> workers() {
        Map<String, List<WorkerStatus>> out = new LinkedHashMap<>();
        runs.values().stream().sorted(Comparator.comparing((ServiceRun r) -> r.submitted)).forEach(r -> {
            List<WorkerStatus> w = r.workers();
            if (!w.isEmpty()) out.put(r.id + "#" + r.attachments(), w);
        });
        return out;
    }

    private void setStatus(ServiceRun run, RunStatus status, String error) {
        run.status(status, error);
        Map<String, Object> saved = new LinkedHashMap<>();
        saved.put("status", status.label());
        saved.put("submitted", run.submitted.toString());
        saved.put("error", error);
        try {
            AtomicFiles.write(run.dir.resolve(STATUS_FILE), JSON.writeValueAsBytes(saved));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the status of run " + run.id, e);
        }
    }

    public Optional<Map<String, Object>> get(String id) {
        return Optional.ofNullable(runs.get(id)).map(ServiceRun::view);
    }

    /** Runs newest first, optionally of one status, {@code size} per page. */
    public Map<String, Object> list(Optional<RunStatus> status, int page, int size) {
        List<ServiceRun> all = runs.values().stream()
                .filter(r -> status.isEmpty() || r.status() == status.get())
                .sorted(Comparator.comparing((ServiceRun r) -> r.submitted).reversed())
                .toList();
        int from = Math.min(all.size(), page * size);
        List<Map<String, Object>> items = all.subList(from, Math.min(all.size(), from + size)).stream().map(ServiceRun::view).toList();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("items", items);
        m.put("page", page);
        m.put("size", size);
        m.put("total", all.size());
        return m;
    }

    public List<Map<String, Object>> metrics(String id) {
        ServiceRun run = require(id);
        List<Map<String, Object>> out = new ArrayList<>();
        for (var m : RunDirectory.open(run.dir).metrics().read()) out.add(Json.sanitize(io.autodidact.store.MetricsLog.toMap(m)));
        return out;
    }

    /** Stops a queued or running run: {@code PAUSED} keeps it resumable by intent, {@code CANCELLED} ends it (it can still be resumed). */
    public Map<String, Object> stop(String id, RunStatus as) {
        ServiceRun run = require(id);
        synchronized (run) {
            switch (run.status()) {
                case QUEUED -> setStatus(run, as, "");
                case RUNNING -> run.requestStop(as);
                default -> throw new RunConflict("run " + id + " is " + run.status().label() + "; only queued or running runs can be "
                        + (as == RunStatus.PAUSED ? "paused" : "cancelled"));
            }
        }
        return run.view();
    }

    public Map<String, Object> resume(String id) {
        ServiceRun run = require(id);
        synchronized (run) {
            if (run.status().active() || run.status() == RunStatus.COMPLETED)
                throw new RunConflict("run " + id + " is " + run.status().label() + "; only paused, cancelled or failed runs can be resumed");
            setStatus(run, RunStatus.QUEUED, "");
            workers.submit(() -> execute(run, Optional.empty()));
        }
        return run.view();
    }

    public void delete(String id) {
        ServiceRun run = require(id);
        synchronized (run) {
            if (run.status().active())
                throw new RunConflict("run " + id + " is " + run.status().label() + "; cancel it before deleting it");
            runs.remove(id);
            try (Stream<Path> walk = Files.walk(run.dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete run " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /** Registers a listener of the run's events; returns the run's current view and a handle to unsubscribe. */
    public Subscription subscribe(String id, java.util.function.Consumer<RunEvent> listener) {
        ServiceRun run = require(id);
        Runnable cancel = run.subscribe(listener);
        return new Subscription(run.view(), cancel, run.status().active());
    }

    /** Registers a listener of every run's events (id, event), e.g. the service's metrics; returns how to unregister it. */
    public Runnable observe(java.util.function.BiConsumer<String, RunEvent> observer) {
        observers.add(observer);
        return () -> observers.remove(observer);
    }

    private void broadcast(String id, RunEvent event) {
        for (var o : observers) o.accept(id, event);
    }

    public record Subscription(Map<String, Object> snapshot, Runnable cancel, boolean live) {}

    public Map<String, Long> countsByStatus() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (RunStatus s : RunStatus.values()) m.put(s.label(), runs.values().stream().filter(r -> r.status() == s).count());
        return m;
    }

    private ServiceRun require(String id) {
        ServiceRun run = runs.get(id);
        if (run == null) throw new RunNotFound(id);
        return run;
    }

    @Override
    public void close() {
        for (ServiceRun run : runs.values()) if (run.status() == RunStatus.RUNNING) run.requestStop(RunStatus.QUEUED);
        workers.shutdownNow();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** No run has this id. */
    public static final class RunNotFound extends RuntimeException {
        public RunNotFound(String id) {
            super("no run with id " + id + "; list runs with GET /api/runs");
        }
    }

    /** The request conflicts with the run's state. */
    public static final class RunConflict extends RuntimeException {
        public RunConflict(String message) {
            super(message);
        }
    }
}
