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

    private ApiServer(ApplicationContext context, EmbeddedServer server) {
        this.context = context;
        this.server = server;
    }

    /** Starts on {@code port} (0 = any free port). The service and auth are ours; Micronaut only serves HTTP. */
    public static ApiServer start(int port, RunService runs, TokenAuth auth) {
        ApplicationContext ctx = ApplicationContext.builder()
                .properties(Map.of("micronaut.server.port", port, "micronaut.application.name", "autodidact",
                        "micronaut.server.max-request-size", 10 * 1024 * 1024))
                .singletons(runs, auth)
                .banner(false)
                .start();
        EmbeddedServer server = ctx.getBean(EmbeddedServer.class);
        if (!server.isRunning()) server.start();
        return new ApiServer(ctx, server);
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
    }
}
