package io.autodidact.service;

import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.WorkerStatus;
import io.autodidact.loop.IterationMetrics;
import io.autodidact.loop.LoopEvents;
import io.autodidact.loop.Stage;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The service's live view of one run: status, where it is, its latest metrics, and the listeners of its
 * event stream. Doubles as the run's {@link LoopEvents}, which is also where pause and cancel take
 * effect: the next progress callback throws {@link RunStopped}.
 */
final class ServiceRun implements LoopEvents {
    final String id;
    final Path dir;
    final String recipe;
    final int iterations;
    final Instant submitted;
    private volatile RunStatus status;
    private volatile RunStatus stopRequested;
    private volatile int iteration;
    private volatile String stage = "";
    private volatile double stageFraction;
    private volatile long stageTotal;
    private volatile String error = "";
    private volatile Map<String, Object> latestMetrics = Map.of();
    private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
    private final List<Consumer<RunEvent>> listeners = new CopyOnWriteArrayList<>();
    private final BiConsumer<String, RunEvent> observer;
    private volatile EngineFactory engines;
    private volatile int attachments;
    private Runnable unwatch = () -> {};

    /** {@code observer} sees every event of this run (the service's metrics), subscribers or not. */
    ServiceRun(String id, Path dir, String recipe, int iterations, Instant submitted, RunStatus status, BiConsumer<String, RunEvent> observer) {
        this.observer = observer;
        this.id = id;
        this.dir = dir;
        this.recipe = recipe;
        this.iterations = iterations;
        this.submitted = submitted;
        this.status = status;
    }

    RunStatus status() {
        return status;
    }

    String error() {
        return error;
    }

    void status(RunStatus value, String errorText) {
        status = value;
        error = errorText;
        emit(new RunEvent("status", Map.of("status", value.label(), "error", errorText)));
    }

    /** Where a run recovered from disk stands: its last evaluated iteration. */
    void restoreIteration(int value) {
        iteration = value;
    }

    void requestStop(RunStatus value) {
        stopRequested = value;
    }

    void clearStop() {
        stopRequested = null;
    }

    /**
     * The engine factory the run's current execution uses: its workers (none for the in-process engine) appear in the
     * view, and each change of a worker's state becomes a {@code worker} event.
     */
    synchronized void attach(EngineFactory factory) {
        unwatch.run();
        engines = factory;
        attachments++;
        unwatch = factory.watchWorkers((change, worker) -> {
            Map<String, Object> data = new LinkedHashMap<>(worker.toMap());
            data.put("change", change);
            data.put("iteration", iteration);
            emit(new RunEvent("worker", data));
        });
    }

    /** The workers of the latest execution, current while it runs, last known after. */
    List<WorkerStatus> workers() {
        EngineFactory f = engines;
        return f == null ? List.of() : f.workers();
    }

    /** Counts executions that attached an engine factory, so counters of one execution are not mistaken for another's. */
    int attachments() {
        return attachments;
    }

    Runnable subscribe(Consumer<RunEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void emit(RunEvent e) {
        observer.accept(id, e);
        for (Consumer<RunEvent> l : listeners) l.accept(e);
    }

    /** Fraction of the whole run done: finished iterations plus the current stage's share of this one. */
    double progress() {
        if (status == RunStatus.COMPLETED) return 1;
        int stages = Stage.values().length - 1; // BOOTSTRAP belongs to iteration 0 only
        double inIteration = 0;
        if (!stage.isEmpty()) {
            int index = Math.max(0, Stage.valueOf(stage).ordinal() - 1);
            inIteration = (index + stageFraction) / stages;
        }
        return Math.min(1, (iteration + inIteration) / (iterations + 1.0));
    }

    Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("status", status.label());
        m.put("recipe", recipe);
        m.put("iterations", iterations);
        m.put("iteration", iteration);
        m.put("stage", stage.toLowerCase());
        m.put("progress", progress());
        m.put("submitted", submitted.toString());
        m.put("error", error);
        synchronized (stageSeconds) {
            m.put("stage_seconds", new LinkedHashMap<>(stageSeconds));
        }
        m.put("latest_metrics", latestMetrics);
        m.put("workers", workers().stream().map(WorkerStatus::toMap).toList());
        m.put("links", Map.of("self", "/api/runs/" + id, "metrics", "/api/runs/" + id + "/metrics", "events", "/api/runs/" + id + "/events"));
        return m;
    }

    private void checkStop() {
        RunStatus stop = stopRequested;
        if (stop != null) throw new RunStopped(stop);
    }

    @Override
    public void stageStarted(int it, Stage s, long total, String unit) {
        checkStop();
        iteration = it;
        stage = s.name();
        stageFraction = 0;
        stageTotal = Math.max(1, total);
        emit(new RunEvent("stage", Map.of("iteration", it, "stage", s.name().toLowerCase(), "total", total, "unit", unit)));
    }

    @Override
    public void progress(int it, Stage s, long done) {
        checkStop();
        stageFraction = Math.min(1, done / (double) stageTotal);
        emit(new RunEvent("progress", Map.of("iteration", it, "stage", s.name().toLowerCase(), "done", done, "progress", progress())));
    }

    @Override
    public void stageFinished(int it, Stage s, double seconds) {
        synchronized (stageSeconds) {
            stageSeconds.put(it + "/" + s.name().toLowerCase(), seconds);
        }
        stageFraction = 1;
        emit(new RunEvent("stage_finished", Map.of("iteration", it, "stage", s.name().toLowerCase(), "seconds", seconds)));
        List<WorkerStatus> workers = workers();
        if (!workers.isEmpty())
            emit(new RunEvent("workers", Map.of("iteration", it, "stage", s.name().toLowerCase(), "workers",
                    workers.stream().map(WorkerStatus::toMap).toList())));
        checkStop();
    }

    @Override
    public void partFinished(int it, Stage s, int part) {
        checkStop();
    }

    @Override
    public void tokens(int it, Stage s, long count) {
        emit(new RunEvent("tokens", Map.of("iteration", it, "stage", s.name().toLowerCase(), "count", count)));
    }

    @Override
    public void scored(int it, int samples, int errors) {
        emit(new RunEvent("scored", Map.of("iteration", it, "samples", samples, "errors", errors)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void iterationFinished(IterationMetrics metrics) {
        latestMetrics = Json.sanitize(io.autodidact.store.MetricsLog.toMap(metrics));
        emit(new RunEvent("metrics", latestMetrics));
    }
}
