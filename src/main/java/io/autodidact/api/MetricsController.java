package io.autodidact.api;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.swagger.v3.oas.annotations.tags.Tag;

/** Prometheus scrape endpoint; open unless {@code open:} in the service settings leaves {@code metrics} out. */
@Controller("/metrics")
@Tag(name = "operations")
final class MetricsController {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final ServiceMetrics metrics;

    MetricsController(ServiceMetrics metrics) {
        this.metrics = metrics;
    }

    /** Runs by status, queue length, stage durations, tokens generated and trained, reward calls and errors, JVM and process memory. */
    @Get(produces = CONTENT_TYPE)
    HttpResponse<String> scrape() {
        return HttpResponse.ok(metrics.scrape()).contentType(CONTENT_TYPE);
    }
}
