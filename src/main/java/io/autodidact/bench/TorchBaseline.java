package io.autodidact.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The PyTorch-eager baseline of {@code autodidact bench engine}: runs
 * {@code python/autodidact/bench/engine_torch.py} (from the classpath) with the system CPython
 * {@code /usr/bin/python3} and Debian's {@code python3-torch}, and returns its JSON result.
 *
 * <p>Options are passed as {@code --name value}; keys may be written as the script spells them
 * ({@code "train-steps"}) or in camelCase / snake_case ({@code "trainSteps"}, {@code "train_steps"}).
 * A {@code Boolean.TRUE} value becomes a bare flag, {@code FALSE} or {@code null} is left out.
 */
public final class TorchBaseline {

    /** Always the system python: a pyenv {@code python3} on PATH has no Debian torch. */
    public static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");
    /** Where pom.xml puts src/main/python/autodidact/bench/engine_torch.py on the classpath. */
    public static final String SCRIPT_RESOURCE = "python/autodidact/bench/engine_torch.py";
    /** The installer, relative to the project root (the launcher runs from there). */
    public static final Path SETUP_SCRIPT = Path.of("scripts", "bench-setup.sh");
    /** What to run by hand when the baseline is missing. */
    public static final String INSTALL_HINT =
            "run `sudo scripts/bench-setup.sh` from the project root (or: sudo apt-get install -y "
                    + "python3-torch libopenblas0-pthread)";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TAIL_LINES = 40;

    private final Path python;
    private final Path projectDir;

    /** Uses {@link #SYSTEM_PYTHON} and the current directory as the project root. */
    public TorchBaseline() {
        this(SYSTEM_PYTHON, Path.of("").toAbsolutePath());
    }

    public TorchBaseline(Path python, Path projectDir) {
        this.python = python;
        this.projectDir = projectDir;
    }

    /** Failure of the baseline: missing python/torch, script error, timeout, unreadable output. */
    public static final class TorchBaselineException extends IOException {
        public TorchBaselineException(String message) {
            super(message);
        }

        public TorchBaselineException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** True when {@code python -c 'import torch'} succeeds (within 60 s). */
    public boolean torchAvailable() {
        if (!Files.isExecutable(python)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", "import torch")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Makes sure torch is importable. When it is not and {@code install} is true, runs
     * {@code scripts/bench-setup.sh} (needs root or sudo; its output goes to {@code log});
     * otherwise, or when that fails, throws with the exact command to run.
     */
    public void ensureTorch(boolean install, Consumer<String> log) throws IOException, InterruptedException {
        if (torchAvailable()) {
            return;
        }
        Path setup = projectDir.resolve(SETUP_SCRIPT);
        if (!install) {
            throw new TorchBaselineException("PyTorch baseline not installed (" + python + " cannot import torch): "
                    + INSTALL_HINT);
        }
        if (!Files.isRegularFile(setup)) {
            throw new TorchBaselineException("PyTorch baseline not installed and " + setup + " not found: "
                    + INSTALL_HINT);
        }
        log.accept("PyTorch baseline missing; running " + setup);
        List<String> cmd = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            cmd.add("sudo");
            cmd.add("-n");
        }
        cmd.add("bash");
        cmd.add(setup.toString());
        Process p = new ProcessBuilder(cmd).directory(projectDir.toFile()).redirectErrorStream(true).start();
        Pump output = pump(p.getInputStream(), log);
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new TorchBaselineException("bench-setup.sh did not finish in 30 minutes: " + INSTALL_HINT);
        }
        if (p.exitValue() != 0 || !torchAvailable()) {
            throw new TorchBaselineException("bench-setup.sh failed (exit " + p.exitValue() + "): " + INSTALL_HINT
                    + "\n" + output.lines());
        }
    }

    /** Copies the script from the classpath (or src/main/python when run from sources) to a temp file. */
    public Path extractScript() throws IOException {
        Path tmp = Files.createTempFile("autodidact-engine_torch-", ".py");
        tmp.toFile().deleteOnExit();
        try (InputStream in = TorchBaseline.class.getClassLoader().getResourceAsStream(SCRIPT_RESOURCE)) {
            if (in != null) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return tmp;
            }
        }
        Path src = projectDir.resolve("src/main").resolve(SCRIPT_RESOURCE);
        if (Files.isRegularFile(src)) {
            Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        }
        Files.deleteIfExists(tmp);
        throw new TorchBaselineException(SCRIPT_RESOURCE + " is neither on the classpath nor under " + src);
    }

    /** {@link #run(Map, Duration, Consumer)} with the script's progress lines dropped. */
    public Map<String, Object> run(Map<String, ?> options, Duration timeout) throws IOException, InterruptedException {
        return run(options, timeout, line -> { });
    }

    /**
     * Runs the baseline with {@code options} (script defaults for anything left out) and returns its
     * JSON ({@code torch_train_tokens_per_s}, {@code torch_generate_tokens_per_s},
     * {@code torch_generate_naive_tokens_per_s}, {@code blas}, {@code threads}, ...). The script's
     * progress lines (stderr) go to {@code progress}. Does not install torch: call
     * {@link #ensureTorch} first.
     */
    public Map<String, Object> run(Map<String, ?> options, Duration timeout, Consumer<String> progress)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(python)) {
            throw new TorchBaselineException(python + " not found: " + INSTALL_HINT);
        }
        Path script = extractScript();
        Path out = Files.createTempFile("autodidact-torch-bench-", ".json");
        try {
            List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString(), "--json-out", out.toString()));
            cmd.addAll(toArgs(options));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(projectDir.toFile()).redirectErrorStream(true);
            pb.environment().put("OPENBLAS_NUM_THREADS", "1");
            // Fixed glibc mmap/trim thresholds (the script would otherwise re-exec itself to set them).
            pb.environment().put("MALLOC_MMAP_THRESHOLD_", "1073741824");
            pb.environment().put("MALLOC_TRIM_THRESHOLD_", "1073741824");
            pb.environment().remove("PYTHONPATH");
            pb.environment().remove("PYTHONHOME");
            Process p = pb.start();
            Pump output = pump(p.getInputStream(), progress);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                throw new TorchBaselineException("PyTorch baseline timed out after " + timeout.toSeconds() + " s");
            }
            output.lines(); // let the last progress lines through before returning
            if (p.exitValue() != 0) {
                String tail = output.lines();
                String hint = tail.contains("No module named 'torch'") ? "\n" + INSTALL_HINT : "";
                throw new TorchBaselineException("PyTorch baseline failed (exit " + p.exitValue() + "):\n"
                        + tail + hint);
            }
            try {
                return JSON.readValue(out.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
            } catch (IOException e) {
                throw new TorchBaselineException("PyTorch baseline wrote no readable JSON to " + out, e);
            }
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(script);
        }
    }

    /** {@code {"trainSteps": 30, "skipTrain": true}} becomes {@code --train-steps 30 --skip-train}. */
    public static List<String> toArgs(Map<String, ?> options) {
        List<String> args = new ArrayList<>();
        if (options == null) {
            return args;
        }
        for (Map.Entry<String, ?> e : options.entrySet()) {
            Object v = e.getValue();
            if (v == null || Boolean.FALSE.equals(v)) {
                continue;
            }
            String name = "--" + e.getKey().replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-').toLowerCase();
            args.add(name);
            if (!Boolean.TRUE.equals(v)) {
                args.add(String.valueOf(v));
            }
        }
        return args;
    }

    /** Output of a child process, read on a daemon thread; keeps the last lines for error messages. */
    private record Pump(Thread thread, Deque<String> tail) {
        /** The last lines, after the reader has drained the stream (waits at most 2 s for it). */
        String lines() throws InterruptedException {
            thread.join(2000);
            synchronized (tail) {
                return String.join("\n", tail);
            }
        }
    }

    /** Reads lines on a daemon thread and hands each to {@code sink}. */
    private static Pump pump(InputStream in, Consumer<String> sink) {
        Deque<String> tail = new ArrayDeque<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > TAIL_LINES) {
                            tail.removeFirst();
                        }
                    }
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // the process ended or was killed
            }
        }, "torch-baseline-output");
        t.setDaemon(true);
        t.start();
        return new Pump(t, tail);
    }
}
