package io.autodidact.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.autodidact.flight.GrpcBodies;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
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
 * A DoGet client that does only what a reader must: it receives each FlightData message, copies its body once from
 * gRPC's direct buffers into Arrow memory and loads it into a {@link VectorSchemaRoot}. Arrow Java 19's
 * {@code FlightClient} takes every body through a heap array of its size (zeroed, copied into, copied out of), which
 * costs the bench's client more CPU than the server spends sending; pyarrow and the C++ client do not. The bench
 * measures the server with this reader and reports the stock client's figure beside it.
 */
final class DoGetReader {

    private static final int HEADER_FIELD = Flight.FlightData.DATA_HEADER_FIELD_NUMBER;
    private static final int BODY_FIELD = Flight.FlightData.DATA_BODY_FIELD_NUMBER;

    private final Channel channel;
    private final BufferAllocator allocator;
    private final MethodDescriptor<Flight.Ticket, Received> doGet;

    /** Calls go over {@code channel} with {@code authorization: Bearer <token>}; bodies land in {@code allocator}. */
    DoGetReader(Channel channel, String token, BufferAllocator allocator) {
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

    /** Streams {@code ticket}, loading every record batch; returns the Arrow data bytes received (vector buffer sizes). */
    long read(byte[] ticket, long timeout, TimeUnit unit) {
        Flight.Ticket request = Flight.Ticket.newBuilder().setTicket(ByteString.copyFrom(ticket)).build();
        Iterator<Received> messages = ClientCalls.blockingServerStreamingCall(channel, doGet,
                CallOptions.DEFAULT.withDeadlineAfter(timeout, unit), request);
        VectorSchemaRoot root = null;
        long bytes = 0;
        try {
            while (messages.hasNext()) {
                Received m = messages.next();
                if (m.header.headerType() == MessageHeader.Schema) {
                    if (root != null) throw new IllegalStateException("a second schema message in one DoGet");
                    root = VectorSchemaRoot.create(MessageSerializer.deserializeSchema(m.header), allocator);
                } else if (m.header.headerType() == MessageHeader.RecordBatch) {
                    if (root == null) throw new IllegalStateException("a record batch before the schema");
                    try (ArrowRecordBatch batch = MessageSerializer.deserializeRecordBatch(
                            (RecordBatch) m.header.header(new RecordBatch()), m.body)) {
                        new VectorLoader(root).load(batch);
                    }
                    for (FieldVector v : root.getFieldVectors()) bytes += v.getBufferSize();
                } else {
                    m.body.close();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (root != null) root.close();
        }
        return bytes;
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
