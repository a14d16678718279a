package io.autodidact.loop;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where datasets uploaded over Flight live and how a run config names them: {@code <root>/<name>.arrow},
 * named in {@code task.dataset} as {@code flight://datasets/<name>} (or, when no such file exists next to the
 * config, as {@code datasets/<name>} or just {@code <name>}). The root is {@code datasets/} under the working
 * directory unless the system property {@value #ROOT_PROPERTY} or the environment variable {@value #ROOT_ENV}
 * names another; the Flight server and the run-config reader must agree on it.
 */
public final class UploadedDatasets {

    /** System property naming the datasets root (wins over the environment variable). */
    public static final String ROOT_PROPERTY = "autodidact.datasets";
    /** Environment variable naming the datasets root. */
    public static final String ROOT_ENV = "AUTODIDACT_DATASETS";
    /** The prefix of a config value that always means an uploaded dataset. */
    public static final String SCHEME = "flight://datasets/";
    /** The file extension of a stored dataset. */
    public static final String EXTENSION = ".arrow";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private UploadedDatasets() {}

    /** Whether {@code name} may name a dataset: letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128. */
    public static boolean isValidName(String name) {
        return NAME.matcher(name).matches() && !name.contains("..") && !name.endsWith(EXTENSION);
    }

    /** Throws unless {@code name} {@linkplain #isValidName is valid}, with a message saying what a name may hold. */
    public static String requireValidName(String name) {
        if (!isValidName(name))
            throw new IllegalArgumentException("dataset name '" + name + "' is not valid; use 1-128 letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit, without '..' and without the " + EXTENSION + " extension");
        return name;
    }

    /** The file of dataset {@code name} under {@code root}. */
    public static Path file(Path root, String name) {
        return root.resolve(requireValidName(name) + EXTENSION);
    }

    /** The datasets root from {@code properties} ({@value #ROOT_PROPERTY}), then {@code env} ({@value #ROOT_ENV}), else {@code datasets}. */
    public static Path root(Map<String, String> properties, Map<String, String> env) {
        String configured = properties.get(ROOT_PROPERTY);
        if (configured == null || configured.isBlank()) configured = env.get(ROOT_ENV);
        return Path.of(configured == null || configured.isBlank() ? "datasets" : configured).toAbsolutePath().normalize();
    }

    /** {@link #root(Map, Map)} from this process's system properties and environment. */
    public static Path defaultRoot() {
        Map<String, String> properties = Map.of();
        String p = System.getProperty(ROOT_PROPERTY);
        if (p != null) properties = Map.of(ROOT_PROPERTY, p);
        return root(properties, System.getenv());
    }

    /**
     * The dataset a config value names when it refers to an uploaded one: {@code flight://datasets/<name>} always;
     * {@code datasets/<name>} or {@code <name>} only when its file exists under {@code root}.
     */
    public static Optional<String> nameIn(String value, Path root) {
        if (value.startsWith(SCHEME)) return Optional.of(requireValidName(value.substring(SCHEME.length())));
        String candidate = value.startsWith("datasets/") ? value.substring("datasets/".length()) : value;
        if (!isValidName(candidate)) return Optional.empty();
        return java.nio.file.Files.isRegularFile(file(root, candidate)) ? Optional.of(candidate) : Optional.empty();
    }
}
