package io.autodidact.python;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Guest stdout/stderr: keeps the first {@code limit} bytes and then throws, so a guest that prints a
 * gigabyte sees an {@code OSError} instead of filling the host's memory or disk (measured: the error stays
 * bounded even when the guest catches it and keeps printing). {@link #reset()} gives each call a fresh budget.
 */
final class BoundedOutputStream extends OutputStream {
    private final long limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long written;

    BoundedOutputStream(long limit) {
        if (limit < 0) throw new IllegalArgumentException("output limit must be >= 0 bytes, got " + limit);
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (written + len > limit) {
            written = limit;
            throw new IOException("output limit of " + limit + " bytes reached; print less");
        }
        kept.write(b, off, len);
        written += len;
    }

    synchronized long written() {
        return written;
    }

    synchronized String text() {
        return kept.toString(StandardCharsets.UTF_8);
    }

    synchronized void reset() {
        kept.reset();
        written = 0;
    }
}
