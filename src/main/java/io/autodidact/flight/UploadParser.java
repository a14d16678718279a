package io.autodidact.flight;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flight.impl.Flight;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;

/**
 * Parses the FlightData messages of a DoPut the way Flight does, but copying each body once, from gRPC's direct
 * buffers into Arrow memory. Flight 19's own parser ({@code ArrowMessage.frame}) takes every body through a heap array
 * of its size (a humongous, zeroed G1 allocation per record batch, copied into and out of), which cost the server more
 * CPU than the rest of an upload (docs/benchmarks.md). The message it returns is Flight's own {@code ArrowMessage}, so
 * {@code FlightStream} and everything after it are unchanged; that class is package-private in Flight, hence the
 * {@code Object} type and the constructor found by reflection.
 */
final class UploadParser implements MethodDescriptor.Marshaller<Object> {

    private static final int DESCRIPTOR = Flight.FlightData.FLIGHT_DESCRIPTOR_FIELD_NUMBER;
    private static final int HEADER = Flight.FlightData.DATA_HEADER_FIELD_NUMBER;
    private static final int APP_METADATA = Flight.FlightData.APP_METADATA_FIELD_NUMBER;
    private static final int BODY = Flight.FlightData.DATA_BODY_FIELD_NUMBER;

    /** Flight's constructor for a received message, which it keeps private to its own parser. */
    private static final Optional<MethodHandle> RECEIVED = receivedConstructor();

    private final BufferAllocator allocator;
    private final LongAdder bodies = new LongAdder();

    /** Empty when this Arrow version's {@code ArrowMessage} has no constructor to build received messages with. */
    static Optional<UploadParser> create(BufferAllocator allocator) {
        return RECEIVED.map(c -> new UploadParser(allocator));
    }

    private UploadParser(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    /** Record-batch bodies parsed so far: shows this parser, not Flight's, is reading uploads. */
    long bodies() {
        return bodies.sum();
    }

    @Override
    public InputStream stream(Object value) {
        throw new UnsupportedOperationException("UploadParser only parses what clients upload");
    }

    @Override
    public Object parse(InputStream in) {
        Flight.FlightDescriptor descriptor = null;
        MessageMetadataResult header = null;
        ArrowBuf appMetadata = null;
        ArrowBuf body = null;
        boolean built = false;
        try {
            int tag;
            while ((tag = readTag(in)) != 0) {
                int field = WireFormat.getTagFieldNumber(tag);
                if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    skip(in, WireFormat.getTagWireType(tag), field);
                    continue;
                }
                int size = CodedInputStream.readRawVarint32(in.read(), in);
                switch (field) {
                    case DESCRIPTOR -> descriptor = Flight.FlightDescriptor.parseFrom(in.readNBytes(size));
                    case HEADER -> header = MessageMetadataResult.create(ByteBuffer.wrap(in.readNBytes(size)), size);
                    case APP_METADATA -> {
                        if (appMetadata != null) appMetadata.close();
                        appMetadata = read(in, size);
                    }
                    case BODY -> {
                        if (body != null) body.close(); // as Flight: the last body wins
                        body = read(in, size);
                    }
                    default -> in.skipNBytes(size); // fields a newer protocol adds
                }
            }
            if (header != null) {
                byte type = header.headerType();
                // As Flight: a schema carries no body; a batch always has one, empty when the sender left it out.
                if (type == MessageHeader.Schema && body != null && body.capacity() == 0) {
                    body.close();
                    body = null;
                } else if ((type == MessageHeader.RecordBatch || type == MessageHeader.DictionaryBatch) && body == null) {
                    body = allocator.getEmpty();
                }
                if (type == MessageHeader.RecordBatch) bodies.increment();
            }
            Object message = RECEIVED.orElseThrow().invoke(descriptor, header, appMetadata, body);
            built = true;
            return message;
        } catch (IOException e) {
            throw new UncheckedIOException("could not parse an uploaded FlightData message: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("could not build Flight's message for an upload: " + e, e);
        } finally {
            if (!built) {
                if (body != null) body.close();
                if (appMetadata != null) appMetadata.close();
            }
        }
    }

    private ArrowBuf read(InputStream in, int size) throws IOException {
        ArrowBuf buf = allocator.buffer(size);
        try {
            GrpcBodies.copy(in, buf, size);
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.close();
            throw e;
        }
    }

    private static int readTag(InputStream in) throws IOException {
        int first = in.read();
        return first < 0 ? 0 : CodedInputStream.readRawVarint32(first, in);
    }

    private static void skip(InputStream in, int wireType, int field) throws IOException {
        switch (wireType) {
            case WireFormat.WIRETYPE_VARINT -> CodedInputStream.readRawVarint32(in.read(), in);
            case WireFormat.WIRETYPE_FIXED32 -> in.skipNBytes(4);
            case WireFormat.WIRETYPE_FIXED64 -> in.skipNBytes(8);
            default -> throw new IOException("FlightData field " + field + " has wire type " + wireType + ", which no FlightData field uses");
        }
    }

    private static Optional<MethodHandle> receivedConstructor() {
        try {
            Class<?> message = Class.forName("org.apache.arrow.flight.ArrowMessage");
            return Optional.of(MethodHandles.privateLookupIn(message, MethodHandles.lookup()).findConstructor(message,
                    MethodType.methodType(void.class, Flight.FlightDescriptor.class, MessageMetadataResult.class, ArrowBuf.class, ArrowBuf.class)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
