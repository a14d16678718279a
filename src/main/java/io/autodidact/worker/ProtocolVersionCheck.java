package io.autodidact.worker;

import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.RequestContext;

/**
 * Refuses every call that does not carry {@code autodidact-worker-protocol: <VERSION>}, before it reaches the
 * producer: a client built for another protocol version learns so at its first call rather than misreading a stream.
 */
final class ProtocolVersionCheck implements FlightServerMiddleware {

    static final class Factory implements FlightServerMiddleware.Factory<ProtocolVersionCheck> {
        @Override
        public ProtocolVersionCheck onCallStarted(CallInfo info, CallHeaders incoming, RequestContext context) {
            String offered = incoming.get(WorkerProtocol.VERSION_HEADER);
            if (offered == null)
                throw CallStatus.INVALID_ARGUMENT.withDescription("missing header '" + WorkerProtocol.VERSION_HEADER + "': send '"
                        + WorkerProtocol.VERSION_HEADER + ": " + WorkerProtocol.VERSION + "' on every call (flight/worker-protocol.md)").toRuntimeException();
            if (!offered.strip().equals(Integer.toString(WorkerProtocol.VERSION)))
                throw CallStatus.INVALID_ARGUMENT.withDescription("protocol version mismatch: this worker speaks autodidact worker protocol "
                        + WorkerProtocol.VERSION + " but the client sent " + offered + "; run a worker and a service from the same release")
                        .toRuntimeException();
            return new ProtocolVersionCheck();
        }
    }

    @Override
    public void onBeforeSendingHeaders(CallHeaders outgoing) {
        outgoing.insert(WorkerProtocol.VERSION_HEADER, Integer.toString(WorkerProtocol.VERSION));
    }

    @Override
    public void onCallCompleted(CallStatus status) {}

    @Override
    public void onCallErrored(Throwable err) {}
}
