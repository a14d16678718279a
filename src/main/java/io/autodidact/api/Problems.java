package io.autodidact.api;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 9457 problem documents: what went wrong, and the field to fix when there is one. */
final class Problems {
    static final String MEDIA_TYPE = "application/problem+json";

    private Problems() {}

    static MutableHttpResponse<Map<String, Object>> of(HttpStatus status, String detail, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", status.getReason());
        body.put("status", status.getCode());
        body.put("detail", detail);
        if (field != null) body.put("field", field);
        return HttpResponse.<Map<String, Object>>status(status).contentType(MEDIA_TYPE).body(body);
    }
}
