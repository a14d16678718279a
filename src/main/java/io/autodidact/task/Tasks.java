package io.autodidact.task;

import io.autodidact.loop.NamedOptions;
import io.autodidact.loop.OptionDoc;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The registry of built-in tasks, by the name a run config uses, with each task's options as {@link #CATALOG}
 * lists them (docs/tasks.md shows their formats). Every task takes {@code labels} (default true): false is the
 * no-label mode of {@link UnlabeledTask}.
 */
public final class Tasks {
    /** A built-in task as the API lists it. */
    public record Entry(String name, String description, List<OptionDoc> options) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            options = List.copyOf(options);
        }
    }

    private static final OptionDoc LABELS = new OptionDoc("labels", "boolean", true,
            "false: training problems reach the loop without answers (for label-free recipes); eval sets keep theirs");

    /** Every built-in task with its options' types, defaults and meanings. */
    public static final List<Entry> CATALOG = List.of(
            new Entry(AdditionTask.NAME, "n-digit addition with a digit-by-digit scratchpad; difficulty = digits", List.of(
                    new OptionDoc("width", "integer", AdditionTask.DEFAULT_WIDTH, "digits per operand (zero padded); difficulties run 1..width"),
                    new OptionDoc("seed_long_fraction", "number", 0.015, "share of seed examples with long operands"),
                    new OptionDoc("seed_short_max", "integer", 3, "most digits of a short seed example"),
                    new OptionDoc("seed_long_min", "integer", 4, "fewest digits of a long seed example"),
                    new OptionDoc("seed_long_max", "integer", AdditionTask.DEFAULT_WIDTH, "most digits of a long seed example (default: width)"),
                    LABELS)),
            new Entry(MultiplicationTask.NAME, "n-digit number times a digit 2..9 with a digit-by-digit carry scratchpad; difficulty = digits,"
                    + " category = multiplier (x2..x9)", withMix(MultiplicationTask.defaultSeedMix(MultiplicationTask.DEFAULT_WIDTH),
                    new OptionDoc("width", "integer", MultiplicationTask.DEFAULT_WIDTH, "digits of the multiplicand (zero padded); difficulties run 1..width"))),
            new Entry(ExpressionsTask.NAME, "nested digit arithmetic mod 10 reduced innermost bracket first; difficulty = nesting depth,"
                    + " category = operator set (add, add-sub, add-mul, mixed)", withMix(ExpressionsTask.defaultSeedMix(ExpressionsTask.DEFAULT_MAX_DEPTH),
                    new OptionDoc("max_depth", "integer", ExpressionsTask.DEFAULT_MAX_DEPTH, "deepest nesting (operators); difficulties run 1..max_depth"))),
            new Entry(SortingTask.NAME, "sorting a list of digits with a count-per-digit scratchpad; difficulty d = d + 1 digits,"
                    + " category = distinct or repeats", withMix(SortingTask.defaultSeedMix(SortingTask.DEFAULT_MAX_LENGTH),
                    new OptionDoc("max_length", "integer", SortingTask.DEFAULT_MAX_LENGTH, "longest list (2..9); difficulties run 1..max_length - 1"))));

    /** The names {@link #named} accepts. */
    public static final List<String> NAMES = CATALOG.stream().map(Entry::name).toList();

    private static final Set<String> MIX_KEYS = Set.of("seed_hard_fraction", "seed_easy_max", "seed_hard_min", "seed_hard_max");

    private Tasks() {}

    public static BuiltInTask named(String name, Map<String, Object> options) {
        Objects.requireNonNull(options, "options");
        BuiltInTask task = switch (name) {
            case AdditionTask.NAME -> addition(options);
            case MultiplicationTask.NAME -> {
                NamedOptions o = options(name, options, "width");
                int width = o.integer("width", MultiplicationTask.DEFAULT_WIDTH);
                yield new MultiplicationTask(width, mix(o, MultiplicationTask.defaultSeedMix(Math.clamp(width, 1, MultiplicationTask.MAX_WIDTH))));
            }
            case ExpressionsTask.NAME -> {
                NamedOptions o = options(name, options, "max_depth");
                int depth = o.integer("max_depth", ExpressionsTask.DEFAULT_MAX_DEPTH);
                yield new ExpressionsTask(depth, mix(o, ExpressionsTask.defaultSeedMix(Math.clamp(depth, 1, ExpressionsTask.MAX_DEPTH))));
            }
            case SortingTask.NAME -> {
                NamedOptions o = options(name, options, "max_length");
                int length = o.integer("max_length", SortingTask.DEFAULT_MAX_LENGTH);
                yield new SortingTask(length, mix(o, SortingTask.defaultSeedMix(Math.clamp(length, 2, SortingTask.MAX_LENGTH))));
            }
            default -> throw new IllegalArgumentException(
                    "unknown task \"" + name + "\"; valid tasks: " + String.join(", ", NAMES));
        };
        boolean labels = new NamedOptions("task \"" + name + "\"", Map.of("labels", options.getOrDefault("labels", true)), Set.of("labels"))
                .bool("labels", true);
        return labels ? task : new UnlabeledTask(task);
    }

    private static AdditionTask addition(Map<String, Object> options) {
        NamedOptions o = new NamedOptions("task \"addition\"", options, Set.of("width", "seed_long_fraction",
                "seed_short_max", "seed_long_min", "seed_long_max", "labels"));
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

    private static NamedOptions options(String task, Map<String, Object> options, String size) {
        Set<String> valid = new HashSet<>(MIX_KEYS);
        valid.add(size);
        valid.add("labels");
        return new NamedOptions("task \"" + task + "\"", options, valid);
    }

    /** The seed mix from the options, each key defaulting to the task's own default for its size. */
    private static DifficultyMix mix(NamedOptions o, DifficultyMix defaults) {
        return new DifficultyMix(o.number("seed_hard_fraction", defaults.hardFraction()),
                o.integer("seed_easy_max", defaults.easyMax()),
                o.integer("seed_hard_min", defaults.hardMin()),
                o.integer("seed_hard_max", defaults.hardMax()));
    }

    private static List<OptionDoc> withMix(DifficultyMix defaults, OptionDoc size) {
        List<OptionDoc> out = new ArrayList<>();
        out.add(size);
        out.add(new OptionDoc("seed_hard_fraction", "number", defaults.hardFraction(), "share of seed examples that are hard"));
        out.add(new OptionDoc("seed_easy_max", "integer", defaults.easyMax(), "highest difficulty of an easy seed example (easy: 1..this)"));
        out.add(new OptionDoc("seed_hard_min", "integer", defaults.hardMin(), "lowest difficulty of a hard seed example"));
        out.add(new OptionDoc("seed_hard_max", "integer", defaults.hardMax(), "highest difficulty of a hard seed example (default: the task's largest)"));
        out.add(LABELS);
        return List.copyOf(out);
    }
}
