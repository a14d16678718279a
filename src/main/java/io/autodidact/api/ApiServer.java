package io.autodidact.api;

import io.autodidact.service.RunService;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.util.Map;

/** The REST control plane: a Micronaut HTTP server over a {@link RunService}. */
public final class ApiServer implements AutoCloseable {
    private final ApplicationContext context;
    private final EmbeddedServer server;
    private final ServiceMetrics metrics;

    private ApiServer(ApplicationContext context, EmbeddedServer server, ServiceMetrics metrics) {
        this.context = context;
        this.server = server;
        this.metrics = metrics;
    }

    /** With the default settings: health, metrics and docs open. */
    public static ApiServer start(int port, RunService runs, TokenAuth auth) {
        return start(port, runs, auth, ApiSettings.defaults());
    }

    /** Starts on {@code port} (0 = any free port). The service, auth and metrics are ours; Micronaut only serves HTTP. */
    public static ApiServer start(int port, RunService runs, TokenAuth auth, ApiSettings settings) {
        ServiceMetrics metrics = new ServiceMetrics(runs);
        ApplicationContext ctx = ApplicationContext.builder()
                .properties(Map.of("micronaut.server.port", port, "micronaut.application.name", "autodidact",
                        "micronaut.server.max-request-size", 10 * 1024 * 1024))
                .singletons(runs, auth, settings, metrics)
                .banner(false)
                .start();
        EmbeddedServer server = ctx.getBean(EmbeddedServer.class);
        if (!server.isRunning()) server.start();
        return new ApiServer(ctx, server, metrics);
    }

    public URI uri() {
        return server.getURI();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.stop();
        context.close();
        metrics.close();
    }
}
