package io.autodidact.api;

import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens and their roles, from configuration, plus the operator token in the environment
 * variable {@code AUTODIDACT_API_TOKEN} when set. Tokens are compared, never logged.
 */
public final class TokenAuth {
    private final Map<String, Role> tokens;

    public TokenAuth(Map<String, Role> configured, Optional<String> operatorFromEnv) {
        var all = new java.util.HashMap<>(configured);
        operatorFromEnv.filter(t -> !t.isBlank()).ifPresent(t -> all.put(t, Role.OPERATOR));
        if (all.isEmpty())
            throw new IllegalArgumentException("no API tokens: set AUTODIDACT_API_TOKEN or configure tokens (see configs/service.yaml)");
        this.tokens = Map.copyOf(all);
    }

    public static TokenAuth fromEnvironment(Map<String, Role> configured) {
        return new TokenAuth(configured, Optional.ofNullable(System.getenv("AUTODIDACT_API_TOKEN")));
    }

    /** The role of the bearer token in an {@code Authorization} header value, if it is one of ours. */
    public Optional<Role> roleOf(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) return Optional.empty();
        return Optional.ofNullable(tokens.get(authorizationHeader.substring(7).trim()));
    }
}
