package io.autodidact.python;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One sandbox child JVM running {@link SandboxMain}. Calls are strictly one at a time. A call that gets no
 * answer within the time limit plus grace, or whose process exits, kills the process and throws
 * {@link PythonCallException}; the pool then starts a new one.
 */
final class SandboxProcess implements Pool.Member {
    private static final String EOF = "\u0000eof";
    private static final int STDERR_TAIL = 4096;

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stderrTail = new StringBuilder();
    private final SandboxLimits limits;
    private volatile boolean dead;

    /** Starts the child and sends the setup; throws {@link PythonLoadException} when the program does not load. */
    SandboxProcess(String setup, SandboxLimits limits, Duration startTimeout) {
        this.limits = limits;
        ProcessBuilder pb = new ProcessBuilder(command(limits));
        // The guest cannot read the environment anyway; the child JVM needs none of the service's.
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("LANG"));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new PythonCallException(PythonCallException.Kind.CRASH, "cannot start a sandbox process: " + e.getMessage());
        }
        stdin = process.getOutputStream();
        pump(process.getInputStream(), "sandbox-stdout", true);
        pump(process.getErrorStream(), "sandbox-stderr", false);
        JsonNode hello;
        try {
            hello = SandboxProtocol.read(exchange(setup, startTimeout));
        } catch (PythonCallException e) {
            kill();
            throw new PythonCallException(e.kind(), "sandbox process did not start: " + e.getMessage());
        }
        if (hello.has("load_error")) {
            kill();
            throw new PythonLoadException(hello.get("load_error").asText());
        }
    }

    private static List<String> command(SandboxLimits limits) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + limits.processHeapMb() + "m");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-XX:+UseSerialGC");
        // Keep what makes GraalPy fast and quiet in the parent: JVMCI + Graal compiler, polyglot settings.
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.equals("-XX:+UnlockExperimentalVMOptions") || arg.equals("-XX:+EnableJVMCI")
                    || arg.startsWith("--upgrade-module-path") || arg.startsWith("-Dpolyglot.")
                    || arg.startsWith("--enable-native-access") || arg.startsWith("--sun-misc-unsafe-memory-access"))
                cmd.add(arg);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SandboxMain.class.getName());
        return cmd;
    }

    private void pump(InputStream stream, String name, boolean protocol) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    // The JVM itself may print to stdout (e.g. "Terminating due to java.lang.OutOfMemoryError"):
                    // protocol lines are JSON objects, anything else is diagnostics.
                    if (protocol && line.startsWith("{")) lines.add(line);
                    else synchronized (stderrTail) {
                        stderrTail.append(line).append('\n');
                        if (stderrTail.length() > STDERR_TAIL) stderrTail.delete(0, stderrTail.length() - STDERR_TAIL);
                    }
                }
            } catch (IOException ignored) {
                // The process is gone; EOF below tells the caller.
            }
            if (protocol) lines.add(EOF);
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Sends one request line and waits for the answer line, skipping progress lines; each line, progress or
     * answer, must come within the time limit plus grace.
     */
    String call(String request) {
        String answer = exchange(request, limits.processGrace());
        while (answer.equals(SandboxProtocol.PROGRESS)) answer = next(limits.processGrace());
        JsonNode failure;
        try {
            failure = answer.startsWith("{\"failure\"") ? SandboxProtocol.read(answer) : null;
        } catch (PythonCallException e) {
            kill(); // a child that garbles the protocol is not trusted with another call
            throw e;
        }
        if (failure != null)
            throw new PythonCallException(PythonCallException.Kind.valueOf(failure.get("failure").asText()), failure.get("message").asText());
        return answer;
    }

    private String exchange(String line, Duration wait) {
        if (dead) throw new IllegalStateException("sandbox process is dead; the pool should have replaced it");
        try {
            stdin.write(line.getBytes(StandardCharsets.UTF_8));
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw died();
        }
        return next(wait);
    }

    /** The next protocol line from the child, waiting at most {@code wait}. */
    private String next(Duration wait) {
        try {
            String answer = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (answer == null) {
                kill();
                throw new PythonCallException(PythonCallException.Kind.TIMEOUT,
                        "sandbox process gave no answer within " + wait.toMillis() + " ms and was killed");
            }
            if (answer.equals(EOF)) throw died();
            return answer;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new PythonCallException(PythonCallException.Kind.CRASH, "interrupted while waiting for the sandbox process");
        }
    }

    private PythonCallException died() {
        kill();
        String code;
        try {
            code = process.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = "unknown";
        }
        String tail;
        synchronized (stderrTail) {
            tail = stderrTail.toString().strip();
        }
        int cut = tail.lastIndexOf('\n', tail.length() - 2);
        return new PythonCallException(PythonCallException.Kind.CRASH, "sandbox process died (exit code " + code + ")"
                + (tail.isEmpty() ? "" : ": " + tail.substring(Math.max(0, Math.max(cut, tail.length() - 300))).strip()));
    }

    @Override
    public boolean dead() {
        return dead;
    }

    long pid() {
        return process.pid();
    }

    void kill() {
        dead = true;
        process.destroyForcibly();
    }

    /** Closes stdin, so the child exits on its own; kills it if it has not after a second. */
    @Override
    public void close() {
        dead = true;
        try {
            stdin.close();
            if (!process.waitFor(1, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
