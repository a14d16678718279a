package io.autodidact.api;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The dashboard at {@code /}: one self-contained page (no build step, no CDN) that lists runs, draws a
 * run's charts live from its event stream, and submits runs. The page itself is open; every API call it
 * makes carries the token the user enters.
 */
@Controller
@io.swagger.v3.oas.annotations.Hidden
final class DashboardController {
    private final String page;

    DashboardController() {
        try (InputStream in = DashboardController.class.getResourceAsStream("/dashboard/index.html")) {
            if (in == null) throw new IllegalStateException("dashboard/index.html is missing from the jar");
            page = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Get(produces = MediaType.TEXT_HTML)
    HttpResponse<String> index() {
        return HttpResponse.ok(page).header("Cache-Control", "no-cache");
    }
}
