package io.autodidact.flight;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.flight.impl.Flight;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;

/**
 * A DoGet client for Java users of the data plane that does only what a reader must: it receives each FlightData
 * message, copies its body once from gRPC's direct buffers into Arrow memory and loads it into a
 * {@link VectorSchemaRoot}. Arrow Java 19's {@code FlightClient} takes every body through a heap array of its size
 * (zeroed, copied into, copied out of), which costs a client more CPU than the server spends sending; pyarrow and the
 * C++ client do not. Over a {@link FlightChannel} the body is the only copy the client makes (docs/benchmarks.md).
 */
public final class DoGetReader {

    private static final int HEADER_FIELD = Flight.FlightData.DATA_HEADER_FIELD_NUMBER;
    private static final int BODY_FIELD = Flight.FlightData.DATA_BODY_FIELD_NUMBER;
    /** Messages requested ahead: one being loaded, one being parsed, one arriving. */
    private static final int AHEAD = 3;

    private final Channel channel;
    private final BufferAllocator allocator;
    private final MethodDescriptor<Flight.Ticket, Received> doGet;

    /** Calls go over {@code channel} with {@code authorization: Bearer <token>}; bodies land in {@code allocator}. */
    public DoGetReader(Channel channel, String token, BufferAllocator allocator) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(allocator, "allocator");
        if (token == null || token.isBlank()) throw new IllegalArgumentException("token must be the server's bearer token, got none");
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        this.channel = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        this.allocator = allocator;
        this.doGet = MethodDescriptor.<Flight.Ticket, Received>newBuilder()
                .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("arrow.flight.protocol.FlightService", "DoGet"))
                .setRequestMarshaller(ProtoUtils.marshaller(Flight.Ticket.getDefaultInstance()))
                .setResponseMarshaller(new BodyMarshaller())
                .build();
    }

    /**
     * Streams {@code ticket} (a ticket as in flight/protocol.md), loading every record batch into one root and handing it
     * to {@code batches}, which must not keep it: the next batch replaces its contents, and it is closed when the stream
     * ends. Returns the Arrow data bytes received (the vectors' buffer sizes). A call the server refuses or that passes
     * {@code timeout} throws gRPC's {@code StatusRuntimeException}.
     */
    public long read(byte[] ticket, Duration timeout, Consumer<VectorSchemaRoot> batches) {
        Objects.requireNonNull(ticket, "ticket");
        Objects.requireNonNull(batches, "batches");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        Flight.Ticket request = Flight.Ticket.newBuilder().setTicket(ByteString.copyFrom(ticket)).build();
        ClientCall<Flight.Ticket, Received> call = channel.newCall(doGet,
                CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS));
        Inbox inbox = new Inbox();
        call.start(inbox, new Metadata());
        call.sendMessage(request);
        call.halfClose();
        call.request(AHEAD);
        VectorSchemaRoot root = null;
        long bytes = 0;
        boolean complete = false;
        try {
            for (Received m = inbox.take(); m != null; m = inbox.take()) {
                call.request(1);
                if (m.header.headerType() == MessageHeader.Schema) {
                    m.body.close();
                    if (root != null) throw new IllegalStateException("a second schema message in one DoGet");
                    root = VectorSchemaRoot.create(MessageSerializer.deserializeSchema(m.header), allocator);
                } else if (m.header.headerType() == MessageHeader.RecordBatch) {
                    if (root == null) {
                        m.body.close();
                        throw new IllegalStateException("a record batch before the schema");
                    }
                    try (ArrowRecordBatch batch = MessageSerializer.deserializeRecordBatch(
                            (RecordBatch) m.header.header(new RecordBatch()), m.body)) {
                        new VectorLoader(root).load(batch);
                    }
                    for (FieldVector v : root.getFieldVectors()) bytes += v.getBufferSize();
                    batches.accept(root);
                } else {
                    m.body.close();
                }
            }
            complete = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (root != null) root.close();
            if (!complete) {
                // Leaving early (the consumer threw, a bad message): end the call on the server too, and free what was
                // parsed ahead.
                call.cancel("the reader stopped", null);
                inbox.abandon();
            }
        }
        return bytes;
    }

    /**
     * Parsed messages and the call's end, handed from gRPC's executor to the reading thread. gRPC parses a message only
     * when one is requested, and returns flow-control window only for bytes it has parsed; with one request at a time
     * (gRPC's blocking iterator) the server stalls on a full window while a batch larger than it is loaded, so the
     * reader keeps {@link #AHEAD} requested.
     */
    private static final class Inbox extends ClientCall.Listener<Received> {
        private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private boolean abandoned; // guarded by this

        @Override
        public void onMessage(Received message) {
            synchronized (this) {
                if (!abandoned) {
                    queue.add(message);
                    return;
                }
            }
            message.body.close();
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            queue.add(new Closed(status, trailers));
        }

        /** The next message, or null when the call ended well; throws gRPC's exception when it did not. */
        Received take() {
            Object next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted while reading a DoGet").withCause(e).asRuntimeException();
            }
            if (next instanceof Closed closed) {
                queue.add(closed); // a later take sees the end too
                if (closed.status.isOk()) return null;
                throw closed.status.asRuntimeException(closed.trailers);
            }
            return (Received) next;
        }

        /**
         * Frees the messages not taken, and those still being parsed, for a call just cancelled: its end ({@code onClose},
         * gRPC's last callback) comes promptly, and nothing is parsed after it.
         */
        void abandon() {
            synchronized (this) {
                abandoned = true;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            try {
                for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                    Object o = queue.poll(left, TimeUnit.NANOSECONDS);
                    if (o instanceof Received r) r.body.close();
                    else if (o instanceof Closed || o == null) return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private record Closed(Status status, Metadata trailers) {}
    }

    /** One FlightData message: its IPC header and its body, which the receiver owns. */
    private record Received(Message header, ArrowBuf body) {}

    /** Parses FlightData straight from gRPC's buffers: the body is copied once, direct to direct. */
    private final class BodyMarshaller implements MethodDescriptor.Marshaller<Received> {

        @Override
        public InputStream stream(Received value) {
            throw new UnsupportedOperationException("DoGetReader only receives");
        }

        @Override
        public Received parse(InputStream in) {
            Message header = null;
            ArrowBuf body = null;
            boolean parsed = false;
            try {
                int tag;
                while ((tag = readTag(in)) != 0) {
                    int field = WireFormat.getTagFieldNumber(tag);
                    if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED)
                        throw new IOException("FlightData field " + field + " is not length-delimited");
                    int size = CodedInputStream.readRawVarint32(in.read(), in);
                    if (field == HEADER_FIELD) header = Message.getRootAsMessage(ByteBuffer.wrap(in.readNBytes(size)));
                    else if (field == BODY_FIELD) {
                        if (body != null) body.close();
                        body = allocator.buffer(size);
                        GrpcBodies.copy(in, body, size);
                    } else in.skipNBytes(size); // descriptor, app_metadata: not used by a DoGet reader
                }
                if (header == null) throw new IOException("FlightData without an IPC header");
                Received received = new Received(header, body == null ? allocator.getEmpty() : body);
                parsed = true;
                return received;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                if (!parsed && body != null) body.close();
            }
        }

        private static int readTag(InputStream in) throws IOException {
            int first = in.read();
            return first < 0 ? 0 : CodedInputStream.readRawVarint32(first, in);
        }
    }
}
