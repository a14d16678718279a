package io.autodidact.python;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What a reward context runs: the modules it may import (the user's and the bundled
 * {@code autodidact.rewards}) and the entry point, {@code module.function(sample)} and optionally
 * {@code module.function_batch(samples)}. {@link #version()} changes whenever any source does, which keys
 * the score cache.
 */
public record PythonProgram(List<ModuleSource> modules, String module, String function) {
    public PythonProgram {
        modules = List.copyOf(modules);
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(function, "function");
        if (!function.matches("[A-Za-z_][A-Za-z0-9_]*"))
            throw new IllegalArgumentException("function \"" + function + "\" is not a Python identifier");
        if (modules.stream().noneMatch(m -> m.name().equals(module)))
            throw new IllegalArgumentException("module \"" + module + "\" is not among the loaded modules "
                    + modules.stream().map(ModuleSource::name).toList() + "; name one of them");
    }

    /** The user's modules plus the bundled {@code autodidact.rewards} package. */
    public static PythonProgram of(List<ModuleSource> userModules, String module, String function) {
        List<ModuleSource> all = new ArrayList<>(BundledModules.rewards());
        all.addAll(userModules);
        return new PythonProgram(all, module, function);
    }

    /** A hex SHA-256 over every module's name and source. */
    public String version() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (ModuleSource m : modules) {
                d.update(m.name().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(m.source().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            d.update((module + "#" + function).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
