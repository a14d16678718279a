package io.autodidact.flight;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A gRPC connection to a Flight server set up for bulk transfers, for Java clients of the data plane: the server's
 * 16 MiB flow-control window ({@link FlightService#FLOW_WINDOW}; gRPC's default 1 MiB makes a loopback DoGet wait for
 * window updates), no limit on message size, and receive buffers that Netty does not copy again on the event loop
 * ({@code ReceiveBuffers}: 64 KiB frames, reads taken in place). Use it with {@link DoGetReader}, or with Arrow's own
 * client through {@link #flightClient}. Owns its event loop thread, which {@link #close} stops.
 *
 * <pre>{@code
 * try (FlightChannel channel = FlightChannel.connect("localhost", 8815, NettyChannelBuilder::usePlaintext)) {
 *     long bytes = new DoGetReader(channel.grpc(), token, allocator).read(ticket, Duration.ofMinutes(5), root -> {...});
 * }
 * }</pre>
 */
public final class FlightChannel implements AutoCloseable {

    private final EventLoopGroup loop;
    private final ManagedChannel grpc;
    private final LongAdder readsInPlace;

    private FlightChannel(EventLoopGroup loop, ManagedChannel grpc, LongAdder readsInPlace) {
        this.loop = loop;
        this.grpc = grpc;
        this.readsInPlace = readsInPlace;
    }

    /**
     * Connects (lazily, as gRPC does) to {@code host:port}; {@code transport} picks plaintext
     * ({@code NettyChannelBuilder::usePlaintext}) or TLS ({@code b -> b.sslContext(...)}) and may change other settings.
     */
    public static FlightChannel connect(String host, int port, Consumer<NettyChannelBuilder> transport) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(transport, "transport");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1-65535, got " + port);
        // One thread: a connection lives on one event loop anyway, and gRPC needs the group and channel type together.
        LongAdder readsInPlace = new LongAdder();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("flight-client", true), NioIoHandler.newFactory());
        try {
            NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port)
                    .eventLoopGroup(loop)
                    .channelFactory(() -> {
                        NioSocketChannel channel = new NioSocketChannel();
                        ReceiveBuffers.install(channel, readsInPlace);
                        return channel;
                    })
                    .flowControlWindow(FlightService.FLOW_WINDOW)
                    .maxInboundMessageSize(Integer.MAX_VALUE);
            transport.accept(builder);
            return new FlightChannel(loop, builder.build(), readsInPlace);
        } catch (RuntimeException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The gRPC channel, for {@link DoGetReader} or any gRPC stub. */
    public ManagedChannel grpc() {
        return grpc;
    }

    /** Arrow's {@code FlightClient} over this connection, which closing the client leaves open for others. */
    public FlightClient flightClient(BufferAllocator allocator) {
        return FlightGrpcUtils.createFlightClientWithSharedChannel(allocator, grpc);
    }

    /** Socket reads handed to HTTP/2 without a copy so far: shows the receive path is the one set up here. */
    long readsInPlace() {
        return readsInPlace.sum();
    }

    @Override
    public void close() throws InterruptedException {
        grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
}
