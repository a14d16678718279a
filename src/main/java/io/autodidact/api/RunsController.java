package io.autodidact.api;

import io.autodidact.service.RunEvent;
import io.autodidact.service.RunService;
import io.autodidact.service.RunStatus;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/** The run queue over HTTP: translates requests into {@link RunService} calls and nothing more. */
@Controller("/api/runs")
@io.swagger.v3.oas.annotations.tags.Tag(name = "runs")
final class RunsController {
    private final RunService runs;

    RunsController(RunService runs) {
        this.runs = runs;
    }

    /** Queues a run: the body is a run config (YAML or JSON, every key in configs/defaults.yaml), validated before it is queued. */
    @Post(consumes = {MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", MediaType.TEXT_PLAIN})
    HttpResponse<Map<String, Object>> submit(@Body String config) {
        if (config == null || config.isBlank())
            throw new IllegalArgumentException("empty body; send a run config as JSON or YAML (see configs/defaults.yaml)");
        Map<String, Object> run = runs.submit(config);
        return HttpResponse.created(run, URI.create("/api/runs/" + run.get("id")));
    }

    /** Runs, newest first; {@code status} filters, {@code page} (from 0) and {@code size} (1..500) page. */
    @Get
    Map<String, Object> list(@QueryValue Optional<String> status, @QueryValue Optional<Integer> page, @QueryValue Optional<Integer> size) {
        Optional<RunStatus> filter = status.map(s -> {
            try {
                return RunStatus.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw io.autodidact.loop.ConfigMap.error("status", "unknown status \"" + s + "\"; use one of "
                        + java.util.Arrays.stream(RunStatus.values()).map(RunStatus::label).toList());
            }
        });
        int p = page.orElse(0), n = size.orElse(20);
        if (p < 0) throw io.autodidact.loop.ConfigMap.error("page", "must be >= 0, got " + p);
        if (n < 1 || n > 500) throw io.autodidact.loop.ConfigMap.error("size", "must be in [1, 500], got " + n);
        return runs.list(filter, p, n);
    }

    /** A run: status, recipe, iteration and stage, progress fraction, latest metrics, stage timings, error, and its workers (remote engine). */
    @Get("/{id}")
    Map<String, Object> get(@PathVariable String id) {
        return runs.get(id).orElseThrow(() -> new RunService.RunNotFound(id));
    }

    /** Every iteration's metrics, as in the run's metrics.jsonl. */
    @Get("/{id}/metrics")
    List<Map<String, Object>> metrics(@PathVariable String id) {
        return runs.metrics(id);
    }

    /** Cancels a queued or running run (it can still be resumed). */
    @Post("/{id}/cancel")
    Map<String, Object> cancel(@PathVariable String id) {
        return runs.stop(id, RunStatus.CANCELLED);
    }

    /** Pauses a queued or running run at its next durable point. */
    @Post("/{id}/pause")
    Map<String, Object> pause(@PathVariable String id) {
        return runs.stop(id, RunStatus.PAUSED);
    }

    /** Queues a paused, cancelled or failed run again; it resumes from its journal. */
    @Post("/{id}/resume")
    Map<String, Object> resume(@PathVariable String id) {
        return runs.resume(id);
    }

    /** Deletes a run that is not queued or running, with its directory. */
    @Delete("/{id}")
    HttpResponse<?> delete(@PathVariable String id) {
        runs.delete(id);
        return HttpResponse.noContent();
    }

    /**
     * Server-sent events: a {@code snapshot} first, then stage, progress, stage_finished, tokens, scored, metrics and status events,
     * and on the remote engine a {@code worker} event per change of a worker's state and a {@code workers} snapshot after each
     * stage; ends with the run.
     */
    @Get(value = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM)
    Publisher<Event<Map<String, Object>>> events(@PathVariable String id) {
        return Flux.create(sink -> {
            RunService.Subscription sub = runs.subscribe(id, e -> {
                sink.next(Event.of(e.data()).name(e.type()));
                if (e.type().equals("status") && !isActive(e)) sink.complete();
            });
            sink.next(Event.of(sub.snapshot()).name("snapshot"));
            if (!sub.live()) sink.complete();
            sink.onDispose(sub.cancel()::run);
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    private static boolean isActive(RunEvent e) {
        Object s = e.data().get("status");
        return "queued".equals(s) || "running".equals(s);
    }
}
