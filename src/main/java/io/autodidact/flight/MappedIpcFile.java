package io.autodidact.flight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ForeignAllocation;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * An Arrow IPC file memory-mapped read-only, whose record batches come out as slices of the mapping: nothing is
 * decoded or copied on the JVM side, so a DoGet hands the file's own bytes to the network. The mapping pins the
 * file's inode, so a part that is rewritten (renamed over) meanwhile is still read whole, in its old version.
 */
final class MappedIpcFile implements AutoCloseable {

    private final Path file;
    private final FileChannel channel;
    private final Schema schema;
    private final List<ArrowBlock> blocks;
    private final ArrowBuf mapped;

    private MappedIpcFile(Path file, FileChannel channel, Schema schema, List<ArrowBlock> blocks, ArrowBuf mapped) {
        this.file = file;
        this.channel = channel;
        this.schema = schema;
        this.blocks = blocks;
        this.mapped = mapped;
    }

    /** Maps {@code file}; its memory is accounted to {@code allocator} until {@link #close} and every batch handed out is released. */
    static MappedIpcFile open(Path file, BufferAllocator allocator) throws IOException {
        Schema schema;
        List<ArrowBlock> blocks;
        try (ArrowFileReader footer = new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator)) {
            schema = footer.getVectorSchemaRoot().getSchema();
            blocks = List.copyOf(footer.getRecordBlocks());
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            ArrowBuf mapped = allocator.wrapForeignAllocation(new Mapping(map));
            return new MappedIpcFile(file, channel, schema, blocks, mapped);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    Path file() {
        return file;
    }

    Schema schema() {
        return schema;
    }

    int batchCount() {
        return blocks.size();
    }

    /** The file's size in bytes. */
    long size() {
        return mapped.capacity();
    }

    /** Rows in the file, from the batches' headers (no data is read). */
    long rows() throws IOException {
        long rows = 0;
        for (ArrowBlock block : blocks) rows += header(block).length();
        return rows;
    }

    /** Batch {@code index} as buffers sliced out of the mapping; the caller closes it. */
    ArrowRecordBatch batch(int index) throws IOException {
        ArrowBlock block = blocks.get(index);
        RecordBatch header = header(block);
        long bodyStart = block.getOffset() + block.getMetadataLength();
        ArrowBuf body = mapped.slice(bodyStart, block.getBodyLength());
        body.getReferenceManager().retain(); // deserializeRecordBatch releases the body it is given; the mapping stays ours
        return MessageSerializer.deserializeRecordBatch(header, body);
    }

    private RecordBatch header(ArrowBlock block) throws IOException {
        channel.position(block.getOffset());
        MessageMetadataResult message = MessageSerializer.readMessage(new ReadChannel(channel));
        if (message == null || message.headerType() != MessageHeader.RecordBatch)
            throw new IOException(file + ": block at offset " + block.getOffset() + " is not a record batch; the file is damaged");
        RecordBatch header = (RecordBatch) message.getMessage().header(new RecordBatch());
        if (header.compression() != null)
            throw new IOException(file + " holds compressed batches, which this server does not serve; write it uncompressed");
        return header;
    }

    @Override
    public void close() {
        mapped.close();
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not close " + file + ": " + e.getMessage(), e);
        }
    }

    /** The mapping as Arrow memory; unmapped when the buffer is collected, after every slice is released. */
    private static final class Mapping extends ForeignAllocation {
        @SuppressWarnings("unused") // held so the mapping outlives every ArrowBuf pointing into it
        private final MappedByteBuffer buffer;

        Mapping(MappedByteBuffer buffer) {
            super(buffer.capacity(), MemoryUtil.getByteBufferAddress(buffer));
            this.buffer = buffer;
        }

        @Override
        protected void release0() {
            // Java has no portable unmap before JDK 22's Arena; the GC unmaps once nothing refers to the buffer.
        }
    }
}
