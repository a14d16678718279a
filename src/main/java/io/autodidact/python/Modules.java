package io.autodidact.python;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads a user's reward code, a single {@code .py} file or a directory of modules and packages, as sources. */
public final class Modules {
    private Modules() {}

    /**
     * A file becomes one module named after it ({@code rewards/gsm8k.py} is {@code gsm8k}); a directory
     * becomes every {@code .py} below it, named by relative path ({@code pkg/util.py} is {@code pkg.util}).
     */
    public static List<ModuleSource> read(Path path) {
        if (Files.isRegularFile(path)) {
            if (!path.toString().endsWith(".py"))
                throw new IllegalArgumentException("reward code " + path + " is not a .py file; give a Python file or a directory");
            return List.of(fromRelativePath(path.getFileName().toString(), path.toString(), readText(path)));
        }
        if (!Files.isDirectory(path))
            throw new IllegalArgumentException("reward code " + path + " does not exist; give a Python file or a directory");
        List<ModuleSource> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(path)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".py") && Files.isRegularFile(p)).sorted().toList())
                out.add(fromRelativePath(path.relativize(f).toString().replace('\\', '/'), f.toString(), readText(f)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list reward directory " + path + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("reward directory " + path + " holds no .py files");
        return out;
    }

    /** {@code a/b/c.py} is module {@code a.b.c}; {@code a/b/__init__.py} is package {@code a.b}. */
    static ModuleSource fromRelativePath(String relative, String fileName, String source) {
        String dotted = relative.substring(0, relative.length() - ".py".length()).replace('/', '.');
        boolean pkg = dotted.equals("__init__") || dotted.endsWith(".__init__");
        if (pkg) dotted = dotted.equals("__init__") ? "__init__" : dotted.substring(0, dotted.length() - ".__init__".length());
        return new ModuleSource(dotted, fileName, source, pkg);
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reward file " + file + ": " + e.getMessage(), e);
        }
    }
}
