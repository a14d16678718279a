package io.autodidact.flight;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The receive side of one HTTP/2 connection, set up so that bulk data is not copied on the event loop. Netty's HTTP/2
 * decoder keeps the bytes of an incomplete frame and, with its default cumulator, copies every following socket read
 * behind them into a new buffer: about one copy of everything received (docs/benchmarks.md, "bench flight"). Here each
 * socket read lands in a buffer with free room in front of it, and the few bytes left of an incomplete frame are
 * copied into that room instead, so a read is handed on in place. The connection also asks its peer for
 * {@link #FRAME_SIZE} DATA frames instead of HTTP/2's 16 KiB, a quarter of the frames to build and parse per GB, and reads
 * up to {@link #MAX_READ} bytes per socket read.
 *
 * <p>Installed on a channel before gRPC's handlers exist ({@link #install}, {@link #serverChannels}); gRPC builds its
 * HTTP/2 handler itself and offers no setting for either, so the first bytes the connection receives find the handler
 * and set it up. On a TLS connection the decoder receives decrypted buffers rather than socket reads; those take Netty's
 * usual path.
 */
final class ReceiveBuffers {

    /** The DATA frame payload size asked of the peer; HTTP/2 allows 16 KiB to 16 MiB. */
    static final int FRAME_SIZE = 64 << 10;
    /** Room in front of each read: an incomplete frame is at most a frame header (9 bytes) and a payload short of a byte. */
    static final int HEADROOM = FRAME_SIZE + 9;
    /** Loopback reads return what the socket holds, often far more than Netty's 64 KiB default. */
    static final int MAX_READ = 1 << 20;

    private final LongAdder inPlace;
    private final RecvByteBufAllocator reads = new AdaptiveRecvByteBufAllocator(4 << 10, 64 << 10, MAX_READ);
    /** The buffer of the read in progress (event loop only): only a buffer this class allocated has room in front. */
    private ByteBuf lastRead;

    private ReceiveBuffers(LongAdder inPlace) {
        this.inPlace = inPlace;
    }

    /**
     * Sets {@code channel} up; call it when the channel is created, before it connects or is registered. {@code inPlace}
     * counts the socket reads handed on without a copy.
     */
    static void install(Channel channel, LongAdder inPlace) {
        ReceiveBuffers buffers = new ReceiveBuffers(inPlace);
        channel.config().setRecvByteBufAllocator(buffers.allocator());
        channel.pipeline().addFirst(buffers.new Installer());
    }

    /**
     * Server channels whose accepted connections are set up like {@link #install}'s: the server's event loops then take
     * uploads' socket reads in place, and clients send uploads in 64 KiB frames.
     */
    static ChannelFactory<ServerChannel> serverChannels(LongAdder inPlace) {
        return () -> new NioServerSocketChannel() {
            @Override
            protected int doReadMessages(List<Object> accepted) throws Exception {
                int before = accepted.size();
                int n = super.doReadMessages(accepted);
                for (Object o : accepted.subList(before, accepted.size())) if (o instanceof Channel c) install(c, inPlace);
                return n;
            }
        };
    }

    private RecvByteBufAllocator allocator() {
        return () -> new RecvByteBufAllocator.DelegatingHandle(reads.newHandle()) {
            @Override
            public ByteBuf allocate(ByteBufAllocator alloc) {
                ByteBuf buf = alloc.ioBuffer(HEADROOM + guess());
                buf.setIndex(HEADROOM, HEADROOM); // the socket read fills from the writer index on
                lastRead = buf;
                return buf;
            }
        };
    }

    /** Netty's merge cumulator, except that a fresh read takes the incomplete frame into its headroom. */
    private ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        // Ours and untouched: allocated for this read and still starting where the socket read began.
        boolean fresh = in == lastRead && in.readerIndex() == HEADROOM;
        lastRead = null;
        int left = cumulation.readableBytes();
        if (fresh && left <= in.readerIndex() && in.refCnt() == 1) {
            in.setBytes(in.readerIndex() - left, cumulation, cumulation.readerIndex(), left);
            in.readerIndex(in.readerIndex() - left);
            cumulation.release();
            inPlace.increment();
            return in;
        }
        return ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
    }

    /** Finds gRPC's HTTP/2 handler when the first bytes arrive, sets it up and leaves the pipeline. */
    private final class Installer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
                if (e.getValue() instanceof Http2ConnectionHandler http2) {
                    http2.setCumulator(ReceiveBuffers.this::cumulate);
                    // A second SETTINGS frame after gRPC's own: the peer acknowledges it and then sends larger frames,
                    // and Netty raises the limit of this side's frame reader when the acknowledgement arrives.
                    ChannelHandlerContext h = ctx.pipeline().context(http2);
                    http2.encoder().writeSettings(h, new Http2Settings().maxFrameSize(FRAME_SIZE), h.newPromise());
                    h.flush();
                    ctx.pipeline().remove(this);
                    break;
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}
