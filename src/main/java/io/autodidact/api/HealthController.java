package io.autodidact.api;

import io.autodidact.service.RunService;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.Map;

/** Open liveness endpoint, with run counts by status. */
@Controller("/health")
@io.swagger.v3.oas.annotations.tags.Tag(name = "operations")
final class HealthController {
    private final RunService runs;

    HealthController(RunService runs) {
        this.runs = runs;
    }

    /** Liveness, with run counts by status. */
    @Get
    Map<String, Object> health() {
        return Map.of("status", "up", "runs", runs.countsByStatus());
    }
}
