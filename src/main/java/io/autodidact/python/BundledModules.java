package io.autodidact.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The Python package {@code autodidact} shipped with the service ({@code src/main/python/}, on the
 * classpath under {@code python/}), read as sources from a jar or a build directory. A reward may import
 * {@code autodidact.rewards} and the host itself; kernel contexts also get {@code autodidact.kernels}.
 */
final class BundledModules {
    static final String ROOT = "python/";
    static final String HOST = "autodidact/host.py";

    private BundledModules() {}

    /** The source of one bundled file, e.g. {@code autodidact/host.py}. */
    static String source(String path) {
        try (InputStream in = BundledModules.class.getClassLoader().getResourceAsStream(ROOT + path)) {
            if (in == null) throw new IllegalStateException("classpath resource " + ROOT + path + " is missing; rebuild the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + ROOT + path, e);
        }
    }

    /** Every module under {@code autodidact/rewards/}, with its parent package. */
    static List<ModuleSource> rewards() {
        return folder("autodidact/rewards/");
    }

    /** Every module under {@code autodidact/kernels/}: the array namespace, the bundled kernels, the engine entry. */
    static List<ModuleSource> kernels() {
        return folder("autodidact/kernels/");
    }

    private static List<ModuleSource> folder(String relative) {
        List<String> paths = new ArrayList<>();
        String dir = ROOT + relative;
        URL url = BundledModules.class.getClassLoader().getResource(dir);
        if (url == null) throw new IllegalStateException("classpath folder " + dir + " is missing; rebuild the jar");
        try {
            if (url.getProtocol().equals("jar")) {
                JarFile jar = ((JarURLConnection) url.openConnection()).getJarFile();
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    if (name.startsWith(dir) && name.endsWith(".py")) paths.add(name.substring(ROOT.length()));
                }
            } else {
                Path base = Path.of(url.toURI()).getParent().getParent();
                try (Stream<Path> files = Files.walk(Path.of(url.toURI()))) {
                    files.filter(p -> p.toString().endsWith(".py"))
                            .forEach(p -> paths.add(base.relativize(p).toString().replace('\\', '/')));
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list classpath folder " + dir + ": " + e.getMessage(), e);
        }
        List<ModuleSource> modules = new ArrayList<>();
        paths.stream().sorted().forEach(p -> modules.add(Modules.fromRelativePath(p, "<autodidact>/" + p, source(p))));
        return modules;
    }
}
