package io.autodidact.task;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The registry of built-in tasks, by the name a run config uses. {@code addition} takes the options
 * {@code width} (default 6) and the seed mix {@code seed_long_fraction} (0.015), {@code seed_short_max} (3),
 * {@code seed_long_min} (4) and {@code seed_long_max} (the width); see {@link AdditionTask.SeedMix}.
 */
public final class Tasks {
    /** The names {@link #named} accepts. */
    public static final List<String> NAMES = List.of(AdditionTask.NAME);

    private Tasks() {}

    public static BuiltInTask named(String name, Map<String, Object> options) {
        return switch (name) {
            case AdditionTask.NAME -> addition(options);
            default -> throw new IllegalArgumentException(
                    "unknown task \"" + name + "\"; valid tasks: " + String.join(", ", NAMES));
        };
    }

    private static AdditionTask addition(Map<String, Object> options) {
        Options o = new Options("task \"addition\"", options, Set.of("width", "seed_long_fraction",
                "seed_short_max", "seed_long_min", "seed_long_max"));
        int width = o.integer("width", AdditionTask.DEFAULT_WIDTH);
        if (width < 1 || width > AdditionTask.MAX_WIDTH)
            throw new IllegalArgumentException("option \"width\" for task \"addition\" must be in 1.."
                    + AdditionTask.MAX_WIDTH + ", got " + width);
        AdditionTask.SeedMix defaults = AdditionTask.SeedMix.defaults(width);
        AdditionTask.SeedMix mix = new AdditionTask.SeedMix(
                o.number("seed_long_fraction", defaults.longFraction()),
                o.integer("seed_short_max", defaults.shortMax()),
                o.integer("seed_long_min", defaults.longMin()),
                o.integer("seed_long_max", defaults.longMax()));
        return new AdditionTask(width, mix);
    }
}
