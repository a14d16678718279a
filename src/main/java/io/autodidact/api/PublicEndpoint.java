package io.autodidact.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The endpoints outside {@code /api} that a deployment may open to callers without a token (all are, by default). */
public enum PublicEndpoint {
    /** {@code /health}: liveness and run counts. */
    HEALTH,
    /** {@code /metrics}: Prometheus scrape. */
    METRICS,
    /** {@code /openapi.yml} and the API browser at {@code /docs}. */
    DOCS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The group a request path belongs to, if any. */
    static Optional<PublicEndpoint> of(String path) {
        if (path.equals("/health")) return Optional.of(HEALTH);
        if (path.equals("/metrics")) return Optional.of(METRICS);
        if (path.equals("/openapi.yml") || path.equals("/docs") || path.startsWith("/docs/")) return Optional.of(DOCS);
        return Optional.empty();
    }

    /** By its configuration name, e.g. {@code metrics}. */
    public static PublicEndpoint named(String name) {
        return Arrays.stream(values()).filter(e -> e.label().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown endpoint \"" + name + "\"; valid: " + Arrays.stream(values()).map(PublicEndpoint::label).toList()));
    }
}
