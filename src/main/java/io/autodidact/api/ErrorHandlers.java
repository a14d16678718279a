package io.autodidact.api;

import io.autodidact.loop.ConfigMap;
import io.autodidact.service.RunService;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns domain errors into problem documents with the right status. */
@Controller
@io.swagger.v3.oas.annotations.Hidden
final class ErrorHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandlers.class);

    @Error(global = true, exception = ConfigMap.ConfigException.class)
    HttpResponse<?> config(HttpRequest<?> request, ConfigMap.ConfigException e) {
        return Problems.of(HttpStatus.BAD_REQUEST, e.getMessage(), e.field());
    }

    @Error(global = true, exception = IllegalArgumentException.class)
    HttpResponse<?> badInput(HttpRequest<?> request, IllegalArgumentException e) {
        return Problems.of(HttpStatus.BAD_REQUEST, e.getMessage(), null);
    }

    @Error(global = true, exception = RunService.RunNotFound.class)
    HttpResponse<?> notFound(HttpRequest<?> request, RunService.RunNotFound e) {
        return Problems.of(HttpStatus.NOT_FOUND, e.getMessage(), null);
    }

    @Error(global = true, exception = RunService.RunConflict.class)
    HttpResponse<?> conflict(HttpRequest<?> request, RunService.RunConflict e) {
        return Problems.of(HttpStatus.CONFLICT, e.getMessage(), null);
    }

    @Error(global = true, exception = ConversionErrorException.class)
    HttpResponse<?> conversion(HttpRequest<?> request, ConversionErrorException e) {
        return Problems.of(HttpStatus.BAD_REQUEST, e.getMessage(), e.getArgument().getName());
    }

    @Error(global = true, exception = UnsatisfiedRouteException.class)
    HttpResponse<?> unsatisfied(HttpRequest<?> request, UnsatisfiedRouteException e) {
        return Problems.of(HttpStatus.BAD_REQUEST, e.getMessage(), e.getArgument().getName());
    }

    @Error(global = true, status = HttpStatus.NOT_FOUND)
    HttpResponse<?> noRoute(HttpRequest<?> request) {
        return Problems.of(HttpStatus.NOT_FOUND, "no endpoint " + request.getMethod() + " " + request.getPath() + "; see GET /api", null);
    }

    @Error(global = true, exception = HttpStatusException.class)
    HttpResponse<?> status(HttpRequest<?> request, HttpStatusException e) {
        return Problems.of(e.getStatus(), e.getMessage(), null);
    }

    @Error(global = true, exception = RuntimeException.class)
    HttpResponse<?> unexpected(HttpRequest<?> request, RuntimeException e) {
        LOG.error("{} {} failed", request.getMethod(), request.getPath(), e);
        return Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }
}
