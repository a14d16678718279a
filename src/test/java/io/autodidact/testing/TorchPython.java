package io.autodidact.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The system CPython with PyTorch ({@code /usr/bin/python3}, Debian's python3-torch, which {@code ./autodidact test}
 * installs through scripts/bench-setup.sh), for tests of the GPU worker's torch code on CPU. Scripts run with
 * {@code src/main/python} on PYTHONPATH. Tests skip, saying why, only where {@code import torch} fails.
 */
public final class TorchPython {
    public static final Path PYTHON = Path.of("/usr/bin/python3");
    private static String unavailable; // null until probed; "" when torch imports

    private TorchPython() {}

    /** Skips the calling test, with the reason, when python3 cannot import torch. */
    public static void assumeTorch() {
        String why = unavailable();
        assumeTrue(why.isEmpty(), why);
    }

    /** "" when torch imports, else why not and how to fix it. */
    public static synchronized String unavailable() {
        if (unavailable == null) {
            if (!Files.isExecutable(PYTHON)) {
                unavailable = PYTHON + " is missing; run `bash scripts/bench-setup.sh` as root (Debian's python3-torch)";
            } else {
                Result r = run(60, List.of("-c", "import torch"), Map.of());
                unavailable = r.exitCode() == 0 ? "" : "`" + PYTHON + " -c 'import torch'` failed (" + r.output().strip()
                        + "); run `bash scripts/bench-setup.sh` as root to install Debian's python3-torch";
            }
        }
        return unavailable;
    }

    /** The exit code and the interleaved stdout and stderr of one python3 run. */
    public record Result(int exitCode, String output) {
        /** Throws with the output when the run failed. */
        public Result orThrow(String what) {
            if (exitCode != 0) throw new AssertionError(what + " exited with " + exitCode + ":\n" + output);
            return this;
        }
    }

    /** Runs python3 with {@code args}, src/main/python on PYTHONPATH, one BLAS thread, and {@code env} added. */
    public static Result run(int timeoutSeconds, List<String> args, Map<String, String> env) {
        List<String> command = new ArrayList<>();
        command.add(PYTHON.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", Path.of("src/main/python").toAbsolutePath().toString());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().putAll(env);
        try {
            Path log = Files.createTempFile("autodidact-python-", ".log");
            try {
                Process p = pb.redirectOutput(log.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n"
                            + Files.readString(log, StandardCharsets.UTF_8));
                }
                return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return new Result(-1, "cannot start " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
