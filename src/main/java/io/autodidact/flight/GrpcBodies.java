package io.autodidact.flight;

import io.grpc.HasByteBuffer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.arrow.memory.ArrowBuf;

/** Reading a FlightData field out of a gRPC message stream into Arrow memory with one copy. */
public final class GrpcBodies {
    private GrpcBodies() {}

    /**
     * Copies {@code size} bytes of {@code in} into {@code buf}: straight from gRPC's (direct) buffers when it exposes them,
     * instead of through a heap array as Flight's own parser does.
     */
    public static void copy(InputStream in, ArrowBuf buf, int size) throws IOException {
        long at = 0;
        if (in instanceof HasByteBuffer buffers && buffers.byteBufferSupported()) {
            while (at < size) {
                ByteBuffer chunk = buffers.getByteBuffer();
                if (chunk == null) break;
                int n = (int) Math.min(chunk.remaining(), size - at);
                buf.setBytes(at, chunk.slice(chunk.position(), n));
                in.skipNBytes(n);
                at += n;
            }
        }
        if (at < size) {
            byte[] rest = new byte[(int) Math.min(64 << 10, size - at)];
            while (at < size) {
                int n = in.read(rest, 0, (int) Math.min(rest.length, size - at));
                if (n < 0) throw new IOException("FlightData field ended after " + at + " of " + size + " bytes");
                buf.setBytes(at, rest, 0, n);
                at += n;
            }
        }
        buf.writerIndex(size);
    }
}
