package io.autodidact.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Every {@code /api} call needs a bearer token: reads need a viewer, everything else an operator. Health, metrics
 * and the API docs are open unless the settings close them; closed, they need a viewer token.
 */
@ServerFilter({"/api/**", "/health", "/metrics", "/openapi.yml", "/docs", "/docs/**"})
final class AuthFilter {
    private final TokenAuth auth;
    private final ApiSettings settings;

    AuthFilter(TokenAuth auth, ApiSettings settings) {
        this.auth = auth;
        this.settings = settings;
    }

    @RequestFilter
    @Nullable
    HttpResponse<?> check(HttpRequest<?> request) {
        var endpoint = PublicEndpoint.of(request.getPath());
        if (endpoint.isPresent() && settings.open().contains(endpoint.get())) return null;
        boolean reads = request.getMethod() == HttpMethod.GET || request.getMethod() == HttpMethod.HEAD;
        Role needed = endpoint.isPresent() || reads ? Role.VIEWER : Role.OPERATOR;
        var role = auth.roleOf(request.getHeaders().get("Authorization"));
        if (role.isEmpty())
            return Problems.of(HttpStatus.UNAUTHORIZED, "missing or unknown bearer token; send 'Authorization: Bearer <token>'", null)
                    .header("WWW-Authenticate", "Bearer");
        if (!role.get().allows(needed))
            return Problems.of(HttpStatus.FORBIDDEN, "this call needs an operator token; the token given is a viewer's", null);
        return null;
    }
}
