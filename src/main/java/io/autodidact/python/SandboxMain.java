package io.autodidact.python;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Entry point of a sandbox child process: one {@link ContextPool} of size one, driven by
 * {@link SandboxProtocol} over stdin/stdout. Runs in its own JVM with a small {@code -Xmx} and
 * {@code -XX:+ExitOnOutOfMemoryError}, so a memory bomb ends this process and nothing else.
 *
 * <p>A program without a batch function (the code-execution grader, most rewards) gets each sample of a
 * request as its own call under its own time limit: the parent can send large batches, one round trip each,
 * and a runaway sample costs one time limit and a fresh context here instead of failing its batch, which the
 * parent would then have to retry one sample at a time.
 */
public final class SandboxMain {
    private SandboxMain() {}

    public static void main(String[] args) throws IOException {
        PrintStream protocol = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err); // nothing but protocol lines may reach the parent's reader
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String first = in.readLine();
        if (first == null) return;
        SandboxProtocol.Setup setup = SandboxProtocol.readSetup(first);
        ContextPool pool;
        try {
            pool = new ContextPool(new PythonRuntime(), setup.program(), setup.limits(), 1);
        } catch (PythonLoadException e) {
            send(protocol, SandboxProtocol.write(Map.of("load_error", e.getMessage())));
            return;
        }
        send(protocol, SandboxProtocol.write(Map.of("ready", true)));
        // A context replaced mid-request (after a timeout, or by the state guard) is made on the request's path and
        // can take longer than the parent's patience on busy cores: say we are alive meanwhile. Only then: a call
        // that will not stop must still meet the parent's limit.
        Thread heartbeat = Thread.ofPlatform().daemon().name("sandbox-heartbeat").start(() -> {
            while (true) {
                try {
                    Thread.sleep(SandboxProtocol.PROGRESS_EVERY_NANOS / 1_000_000);
                } catch (InterruptedException e) {
                    return;
                }
                if (ContextPool.building()) send(protocol, SandboxProtocol.PROGRESS);
            }
        });
        boolean perSample = !pool.batched();
        for (String line; (line = in.readLine()) != null; ) {
            String answer;
            try {
                answer = perSample ? SandboxProtocol.eachSample(line, pool::call, () -> send(protocol, SandboxProtocol.PROGRESS)) : pool.call(line);
            } catch (PythonCallException e) {
                answer = SandboxProtocol.failure(e);
            }
            send(protocol, answer);
        }
        heartbeat.interrupt();
        pool.close();
        System.exit(0); // the parent closed our stdin: leave without waiting for engine threads
    }

    private static synchronized void send(PrintStream protocol, String line) {
        protocol.print(line);
        protocol.print('\n');
        protocol.flush();
    }
}
