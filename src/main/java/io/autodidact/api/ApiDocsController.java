package io.autodidact.api;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * The OpenAPI document at {@code /openapi.yml}, written at build time by micronaut-openapi from these controllers,
 * and Swagger UI at {@code /docs}, whose assets come from the swagger-ui webjar in the jar (no CDN).
 */
@OpenAPIDefinition(info = @Info(title = "autodidact", version = "0.1",
        description = "Submit, watch and control self-training runs, and try rewards. Every /api call needs "
                + "`Authorization: Bearer <token>`: a viewer token reads; an operator token also submits and controls runs and "
                + "scores rewards. Errors are application/problem+json documents with `detail` and, when a field is to blame, `field`."),
        security = @SecurityRequirement(name = "bearer"),
        tags = {@Tag(name = "runs", description = "The run queue"), @Tag(name = "catalog", description = "What can be run"),
                @Tag(name = "rewards", description = "Try a reward before a run"),
                @Tag(name = "operations", description = "Health, metrics and this document (open by default)")})
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
@Controller
@Hidden
final class ApiDocsController {
    /** Where micronaut-openapi writes the document: its name follows the {@link Info} title and version above. */
    static final String DOCUMENT = "/META-INF/swagger/autodidact-0.1.yml";
    private static final Map<String, String> ASSETS = Map.of("swagger-ui.css", "text/css", "swagger-ui-bundle.js", "text/javascript",
            "swagger-ui-standalone-preset.js", "text/javascript", "favicon-32x32.png", "image/png");
    private static final String PAGE = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Autodidact API</title>
            <link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png"></head>
            <body><div id="swagger-ui"></div>
            <script src="/docs/assets/swagger-ui-bundle.js"></script>
            <script>window.ui = SwaggerUIBundle({url: "/openapi.yml", dom_id: "#swagger-ui", persistAuthorization: true});</script>
            </body></html>
            """;
    private final byte[] document;
    private final String assetRoot;

    ApiDocsController() {
        document = resource(DOCUMENT);
        Properties webjar = new Properties();
        try (InputStream in = ApiDocsController.class.getResourceAsStream("/META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) throw new IllegalStateException("the swagger-ui webjar is missing from the classpath; rebuild with ./mvnw package");
            webjar.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assetRoot = "/META-INF/resources/webjars/swagger-ui/" + webjar.getProperty("version") + "/";
    }

    private static byte[] resource(String path) {
        try (InputStream in = ApiDocsController.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException(path + " is missing from the jar; micronaut-openapi writes it at compile time");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Get(value = "/openapi.yml", produces = "application/yaml")
    HttpResponse<byte[]> document() {
        return HttpResponse.ok(document).contentType("application/yaml");
    }

    @Get(value = "/docs", produces = "text/html")
    HttpResponse<String> page() {
        return HttpResponse.ok(PAGE).contentType("text/html; charset=utf-8");
    }

    @Get("/docs/assets/{name}")
    HttpResponse<byte[]> asset(@PathVariable String name) {
        String type = ASSETS.get(name);
        if (type == null) return HttpResponse.notFound();
        return HttpResponse.ok(resource(assetRoot + name)).contentType(type).header("Cache-Control", "max-age=86400");
    }
}
