package io.autodidact.api;

import io.autodidact.service.RunService;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.Map;

/** Open liveness endpoint, with run counts by status. */
@Controller("/health")
final class HealthController {
    private final RunService runs;

    HealthController(RunService runs) {
        this.runs = runs;
    }

    @Get
    Map<String, Object> health() {
        return Map.of("status", "up", "runs", runs.countsByStatus());
    }
}
