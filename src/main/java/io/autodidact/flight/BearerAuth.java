package io.autodidact.flight;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.AuthUtilities;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

/**
 * Accepts a call only when its {@code authorization} header is {@code Bearer <token>} with a configured token.
 * Runs on every call (handshake, list, info, get, put, actions) as Flight's header-auth middleware.
 */
public final class BearerAuth implements CallHeaderAuthenticator {

    private final List<byte[]> tokens;

    public BearerAuth(Set<String> tokens) {
        this.tokens = tokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Override
    public AuthResult authenticate(CallHeaders headers) {
        String token = AuthUtilities.getValueFromAuthHeader(headers, Auth2Constants.BEARER_PREFIX);
        if (token == null || token.isEmpty())
            throw CallStatus.UNAUTHENTICATED.withDescription("missing bearer token: send the header 'authorization: Bearer <token>'"
                    + " with a token the server was started with (--token or " + FlightConfig.TOKEN_ENV + ")").toRuntimeException();
        byte[] offered = token.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < tokens.size(); i++) {
            // Constant-time comparison, so response timing does not reveal how much of a token matched.
            if (MessageDigest.isEqual(tokens.get(i), offered)) {
                String identity = "token-" + i;
                return () -> identity;
            }
        }
        throw CallStatus.UNAUTHENTICATED.withDescription("bearer token not accepted; use a token the server was started with"
                + " (--token or " + FlightConfig.TOKEN_ENV + ")").toRuntimeException();
    }
}
