package io.autodidact.engine.remote;

import static org.junit.jupiter.api.Assertions.*;

import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.TrainBatch;
import io.autodidact.engine.TrainSequence;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.worker.WorkerServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The remote engine's training stream: one per policy, kept open between steps, and opened again when the connection breaks. */
class TrainStreamTest {

    /** A TCP relay to a worker whose connections can be cut, as a network failure would, while the worker runs on. */
    static final class Relay implements AutoCloseable {
        final ServerSocket server;
        final List<Socket> open = new CopyOnWriteArrayList<>();

        Relay(int target) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket in = server.accept(), out = new Socket(InetAddress.getLoopbackAddress(), target);
                        open.add(in);
                        open.add(out);
                        pipe(in, out);
                        pipe(out, in);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        static void pipe(Socket from, Socket to) {
            Thread.ofVirtual().start(() -> {
                try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                    i.transferTo(o);
                } catch (IOException e) {
                    // the connection was cut
                }
            });
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        void cut() throws IOException {
            for (Socket s : open) s.close();
            open.clear();
        }

        @Override
        public void close() throws IOException {
            server.close();
            cut();
        }
    }

    static TrainBatch batch(int step) {
        List<TrainSequence> rows = new ArrayList<>();
        for (int[] p : RemoteEngineTest.prompts(6)) {
            int[] all = java.util.Arrays.copyOf(p, p.length + 2);
            all[p.length] = 1 + step % 9;
            all[p.length + 1] = RemoteEngineTest.TOKENIZER.eosId();
            rows.add(new TrainSequence(all, p.length));
        }
        return new TrainBatch(rows, 0.02);
    }

    @Test
    void aTrainingStreamCutBetweenStepsIsOpenedAgainAndEveryStepIsAppliedOnce() throws Exception {
        try (WorkerServer worker = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(RemoteEngineTest.TOKEN), RemoteEngineTest.OPTIONS));
                Relay relay = new Relay(worker.port());
                PolicyEngine local = new DjlEngineFactory(RemoteEngineTest.OPTIONS).create(RemoteEngineTest.SHAPE, RemoteEngineTest.TOKENIZER, 3);
                PolicyEngine remote = new RemoteEngineFactory(RemoteEngineTest.settings(List.of(relay.address()), relay.address(), 64),
                        RemoteEngineTest.TOKEN).create(RemoteEngineTest.SHAPE, RemoteEngineTest.TOKENIZER, 3)) {
            for (int step = 0; step < 4; step++) {
                if (step == 2) relay.cut(); // the stream of steps 0 and 1 breaks while idle; the worker keeps the model
                double expected = local.train(batch(step)).loss(), actual = remote.train(batch(step)).loss();
                assertEquals(expected, actual, 1e-5, "step " + step + " equals the in-process engine's: each step applied exactly once");
            }
        }
    }
}
