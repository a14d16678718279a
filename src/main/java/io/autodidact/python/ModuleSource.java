package io.autodidact.python;

import java.util.Objects;

/**
 * One Python module as source text: its dotted {@code name}, the {@code fileName} that tracebacks and syntax
 * errors show, and whether it is a package ({@code __init__.py}). Sandboxed contexts have no file system, so
 * the host reads files and hands their text over.
 */
public record ModuleSource(String name, String fileName, String source, boolean isPackage) {
    public ModuleSource {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*"))
            throw new IllegalArgumentException("module name \"" + name + "\" is not a dotted Python identifier; rename the file");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(source, "source");
    }
}
