package io.autodidact.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.InvalidArrowFileException;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Writes a run's rollout parts ({@link RolloutFiles}) as one Parquet file, for DuckDB, Spark and pandas users who want
 * Parquet rather than Arrow IPC. Every column of the Arrow schema is kept with its type: utf8 as Parquet strings,
 * int32, float32 and float64 as themselves, booleans, and the token and logprob lists as standard three-level Parquet
 * LISTs. The schema metadata ({@code autodidact.schema}, {@code autodidact.run_id}) is carried into the file's
 * key-value metadata. Compression is zstd.
 *
 * <p>parquet-java is used without Hadoop: the file is written through an {@link OutputFile} over a plain channel, the
 * configuration is {@link PlainParquetConfiguration}, and zstd comes from zstd-jni directly, because parquet-java's own
 * codec factory needs Hadoop's compression classes (which are not on our classpath).
 */
public final class RolloutParquet {

    /** What an export wrote. */
    public record Result(Path file, long rows, int iterations, int parts, long bytes) {
        public Result {
            Objects.requireNonNull(file, "file must not be null");
        }
    }

    private RolloutParquet() {}

    /**
     * Writes the rollouts of {@code iterations} (every iteration with rollouts when empty) of the run in {@code run}
     * to {@code out}, replacing it atomically.
     */
    public static Result export(RunDirectory run, List<Integer> iterations, Path out, BufferAllocator allocator) {
        RolloutFiles files = run.rollouts(allocator);
        List<Integer> available = files.iterations();
        List<Integer> chosen = iterations.isEmpty() ? available : iterations;
        List<Path> parts = new ArrayList<>();
        for (int iteration : chosen) {
            if (!available.contains(iteration))
                throw new IllegalArgumentException("--iteration " + iteration + ": run " + run.runId() + " has no rollouts for it; "
                        + (available.isEmpty() ? "it has none yet" : "it has iterations " + available));
            for (int part : files.parts(iteration)) parts.add(files.partFile(iteration, part));
        }
        if (parts.isEmpty())
            throw new IllegalArgumentException("run " + run.runId() + " has no rollout parts under " + run.root().resolve("rollouts")
                    + "; export after GENERATE has written some");
        long[] rows = {0};
        AtomicFiles.write(out, channel -> rows[0] = write(parts, channel, allocator));
        try {
            return new Result(out, rows[0], chosen.size(), parts.size(), Files.size(out));
        } catch (IOException e) {
            throw new UncheckedIOException("could not stat " + out + ": " + e.getMessage(), e);
        }
    }

    /** Streams {@code parts} (Arrow IPC rollout files with one schema) into {@code channel} as Parquet; returns the rows written. */
    static long write(List<Path> parts, WritableByteChannel channel, BufferAllocator allocator) throws IOException {
        Schema arrow = readSchema(parts.getFirst(), allocator);
        MessageType schema = parquetSchema(arrow);
        Map<String, String> metadata = new LinkedHashMap<>(arrow.getCustomMetadata());
        long rows = 0;
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new ChannelOutputFile(channel))
                .withConf(new PlainParquetConfiguration())
                .withType(schema)
                .withExtraMetaData(metadata)
                .withCodecFactory(new Zstd())
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (Path part : parts) {
                try (BufferAllocator child = allocator.newChildAllocator("parquet " + part.getFileName(), 0, Long.MAX_VALUE);
                        FileChannel in = FileChannel.open(part, StandardOpenOption.READ);
                        ArrowFileReader reader = new ArrowFileReader(in, child)) {
                    VectorSchemaRoot batch = reader.getVectorSchemaRoot();
                    if (!batch.getSchema().getFields().equals(arrow.getFields()))
                        throw new UnsupportedFormatException("cannot export " + part + ": its columns differ from those of " + parts.getFirst()
                                + "; export the iterations separately with --iteration");
                    while (reader.loadNextBatch()) {
                        for (int row = 0; row < batch.getRowCount(); row++) writer.write(group(schema, batch, row));
                        rows += batch.getRowCount();
                    }
                } catch (InvalidArrowFileException e) {
                    throw new StoreCorruptedException(part + " is not a complete Arrow IPC file (" + e.getMessage()
                            + "); delete it and resume the run to redo it", e);
                }
            }
        }
        return rows;
    }

    private static Schema readSchema(Path part, BufferAllocator allocator) throws IOException {
        try (BufferAllocator child = allocator.newChildAllocator("schema " + part.getFileName(), 0, Long.MAX_VALUE);
                FileChannel in = FileChannel.open(part, StandardOpenOption.READ);
                ArrowFileReader reader = new ArrowFileReader(in, child)) {
            Schema schema = reader.getVectorSchemaRoot().getSchema();
            String problem = RolloutSchema.incompatibility(schema);
            if (!problem.isEmpty()) throw new UnsupportedFormatException("cannot export rollouts from " + part + ": " + problem);
            return schema;
        }
    }

    /** The Parquet schema of an Arrow rollout schema, column for column. */
    static MessageType parquetSchema(Schema arrow) {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (Field f : arrow.getFields()) message.addField(column(f));
        return message.named("rollout");
    }

    private static Type column(Field f) {
        Type.Repetition repetition = f.isNullable() ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
        if (f.getType() instanceof ArrowType.List) {
            // The standard three-level LIST (a repeated group "list" of one "element"), which every reader maps back to a list.
            Field item = f.getChildren().getFirst();
            var list = Types.list(repetition);
            var element = item.isNullable() ? list.optionalElement(primitive(item)) : list.requiredElement(primitive(item));
            return element.as(logical(item)).named(f.getName());
        }
        return Types.primitive(primitive(f), repetition).as(logical(f)).named(f.getName());
    }

    private static PrimitiveTypeName primitive(Field f) {
        ArrowType t = f.getType();
        if (t instanceof ArrowType.Utf8) return PrimitiveTypeName.BINARY;
        if (t instanceof ArrowType.Bool) return PrimitiveTypeName.BOOLEAN;
        if (t instanceof ArrowType.Int i && i.getBitWidth() == 32 && i.getIsSigned()) return PrimitiveTypeName.INT32;
        if (t instanceof ArrowType.FloatingPoint fp && fp.getPrecision() == FloatingPointPrecision.SINGLE) return PrimitiveTypeName.FLOAT;
        if (t instanceof ArrowType.FloatingPoint fp && fp.getPrecision() == FloatingPointPrecision.DOUBLE) return PrimitiveTypeName.DOUBLE;
        throw new UnsupportedFormatException("column '" + f.getName() + "' has Arrow type " + t
                + ", which the Parquet export does not map; export supports utf8, bool, int32, float32, float64 and lists of them");
    }

    private static LogicalTypeAnnotation logical(Field f) {
        return f.getType() instanceof ArrowType.Utf8 ? LogicalTypeAnnotation.stringType() : null;
    }

    private static Group group(MessageType schema, VectorSchemaRoot batch, int row) {
        Group g = new SimpleGroup(schema);
        List<FieldVector> vectors = batch.getFieldVectors();
        for (int i = 0; i < vectors.size(); i++) {
            FieldVector v = vectors.get(i);
            if (v.isNull(row)) continue;
            if (v instanceof ListVector list) {
                Group items = g.addGroup(i);
                FieldVector data = list.getDataVector();
                for (int j = list.getElementStartIndex(row); j < list.getElementEndIndex(row); j++) {
                    Group element = items.addGroup(0);
                    if (!data.isNull(j)) put(element, 0, data, j);
                }
            } else {
                put(g, i, v, row);
            }
        }
        return g;
    }

    private static void put(Group g, int field, FieldVector v, int row) {
        switch (v) {
            case VarCharVector s -> g.add(field, Binary.fromConstantByteArray(s.get(row)));
            case IntVector n -> g.add(field, n.get(row));
            case Float4Vector x -> g.add(field, x.get(row));
            case Float8Vector x -> g.add(field, x.get(row));
            case BitVector b -> g.add(field, b.get(row) != 0);
            default -> throw new UnsupportedFormatException("column '" + v.getName() + "' is " + v.getClass().getSimpleName()
                    + ", which the Parquet export does not map");
        }
    }

    /** Parquet's output over the channel {@link AtomicFiles} opened on the temp file (it fsyncs and renames it). */
    private record ChannelOutputFile(WritableByteChannel channel) implements OutputFile {
        @Override
        public PositionOutputStream create(long blockSizeHint) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(new Unclosable(channel)), 1 << 16);
            return new PositionOutputStream() {
                private long position;

                @Override
                public long getPos() {
                    return position;
                }

                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    position++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    position += len;
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) {
            return create(blockSizeHint);
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }
    }

    /** Lets the Parquet writer close "its" stream while {@link AtomicFiles} still needs the channel to fsync. */
    private record Unclosable(WritableByteChannel delegate) implements WritableByteChannel {
        @Override
        public int write(ByteBuffer src) throws IOException {
            return delegate.write(src);
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() {}
    }

    /** Zstandard frames (Parquet's ZSTD codec) through zstd-jni, without parquet-java's Hadoop-based codec factory. */
    private static final class Zstd implements CompressionCodecFactory {
        private static final int LEVEL = 3;

        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            requireZstd(codec);
            return new BytesInputCompressor() {
                @Override
                public BytesInput compress(BytesInput bytes) throws IOException {
                    return BytesInput.from(com.github.luben.zstd.Zstd.compress(bytes.toByteArray(), LEVEL));
                }

                @Override
                public CompressionCodecName getCodecName() {
                    return CompressionCodecName.ZSTD;
                }

                @Override
                public void release() {}
            };
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            requireZstd(codec);
            return new BytesInputDecompressor() {
                @Override
                public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                    return BytesInput.from(com.github.luben.zstd.Zstd.decompress(bytes.toByteArray(), uncompressedSize));
                }

                @Override
                public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
                    byte[] in = new byte[compressedSize];
                    input.get(in);
                    output.put(com.github.luben.zstd.Zstd.decompress(in, uncompressedSize));
                }

                @Override
                public void release() {}
            };
        }

        @Override
        public void release() {}

        private static void requireZstd(CompressionCodecName codec) {
            if (codec != CompressionCodecName.ZSTD)
                throw new IllegalArgumentException("the rollout export writes ZSTD only, not " + codec);
        }
    }
}
