package io.autodidact.flight;

import io.grpc.MethodDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Flight's own response marshaller, with every zero-copy message made all-direct before gRPC takes it. Flight builds
 * such a message as one {@code CompositeByteBuf} of a heap buffer (the protobuf prefix: data header, body tag and
 * length), heap padding buffers and the batch's own direct buffers. A composite, and each HTTP/2 DATA frame sliced from
 * it, is direct only when every part is, and Netty copies a buffer that is not direct into a new direct one before the
 * socket write ({@code AbstractNioByteChannel.filterOutboundMessage}): a few hundred heap bytes cost a copy of the
 * whole batch on the event loop (docs/benchmarks.md). Here the heap parts are replaced by pooled direct copies of the
 * same bytes, so the wire carries exactly what Flight wrote and the batch's buffers reach the socket as they are.
 *
 * <p>Flight keeps the stream class and its buffer private, hence the reflection; when a later Arrow renames them,
 * {@link #wrap} returns empty and Flight's marshaller stays in use (FlightDirectResponsesTest then fails).
 */
final class DirectResponses implements MethodDescriptor.Marshaller<Object> {

    private static final Optional<FlightStreamAccess> ACCESS = FlightStreamAccess.find();
    /** Netty's pool: the copies are a few hundred bytes each, freed with the message once Netty has written it. */
    private static final ByteBufAllocator POOL = PooledByteBufAllocator.DEFAULT;

    private final MethodDescriptor.Marshaller<Object> flight;
    private final LongAdder direct = new LongAdder();

    private DirectResponses(MethodDescriptor.Marshaller<Object> flight) {
        this.flight = flight;
    }

    /** Flight's {@code flight} marshaller made all-direct; empty when this Arrow version's stream cannot be reached. */
    static Optional<DirectResponses> wrap(MethodDescriptor.Marshaller<Object> flight) {
        return ACCESS.map(a -> new DirectResponses(flight));
    }

    /** Zero-copy messages handed to gRPC with every part direct: shows this marshaller is the one serving. */
    long directMessages() {
        return direct.sum();
    }

    @Override
    public InputStream stream(Object message) {
        InputStream in = flight.stream(message);
        // Only zero-copy messages reach Netty as the composite; Flight copies the others into gRPC's buffers itself.
        ACCESS.orElseThrow().zeroCopyBuffer(in).ifPresent(buf -> {
            makeDirect(buf);
            if (buf.isDirect()) direct.increment();
        });
        return in;
    }

    @Override
    public Object parse(InputStream in) {
        return flight.parse(in);
    }

    /** Replaces each heap part of {@code buf} by a direct copy at the same offset: same bytes, same length. */
    static void makeDirect(CompositeByteBuf buf) {
        for (int i = 0; i < buf.numComponents(); i++) {
            ByteBuf part = buf.component(i); // a view of exactly the part's bytes
            if (part.isDirect()) continue;
            ByteBuf copy = POOL.directBuffer(part.readableBytes());
            copy.writeBytes(part, part.readerIndex(), part.readableBytes());
            // Neither call moves the writer index, and the composite's length is back where it was after the second.
            buf.removeComponent(i);
            buf.addComponent(false, i, copy);
        }
    }

    /** The composite inside the stream Flight's marshaller returns for a message, when it sends zero-copy. */
    private record FlightStreamAccess(Class<?> stream, VarHandle buf, VarHandle zeroCopy) {

        Optional<CompositeByteBuf> zeroCopyBuffer(InputStream in) {
            if (in.getClass() != stream || !(boolean) zeroCopy.get(in)) return Optional.empty();
            return Optional.of((CompositeByteBuf) buf.get(in));
        }

        static Optional<FlightStreamAccess> find() {
            try {
                Class<?> stream = Class.forName("org.apache.arrow.flight.ArrowMessage$DrainableByteBufInputStream");
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(stream, MethodHandles.lookup());
                return Optional.of(new FlightStreamAccess(stream, lookup.findVarHandle(stream, "buf", CompositeByteBuf.class),
                        lookup.findVarHandle(stream, "isZeroCopy", boolean.class)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                return Optional.empty();
            }
        }
    }
}
