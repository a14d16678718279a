package io.autodidact.recipe;

import io.autodidact.loop.ConfigMap;
import io.autodidact.loop.LrSchedule;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Recipe.TrainPlan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * How a recipe reads its options (the run config's {@code recipe} map): each getter validates one option, with errors
 * naming {@code recipe.<option>}, and records the value it resolved, in reading order, so that {@link #finish()} hands the
 * recipe what {@link io.autodidact.loop.Recipe#options()} reports to run.yaml and the API, and refuses keys nobody read.
 */
public final class RecipeOptions {
    /** STaR's optimizer: the defaults of {@link #finetuning()}. */
    static final Optimizer FINETUNING = new Optimizer(128, 1e-3, 30, LrSchedule.Kind.COSINE);

    private final ConfigMap config;
    private final Map<String, Object> resolved = new LinkedHashMap<>();

    public RecipeOptions(Map<String, Object> options) {
        config = new ConfigMap("recipe", options == null ? Map.of() : options);
    }

    /**
     * The options of a recipe that uses another recipe's update: those it reads itself and the rest, which configure that
     * recipe. Both keep the config's order.
     */
    public record Split(Map<String, Object> own, Map<String, Object> rest) {
        public Split {
            own = Collections.unmodifiableMap(new LinkedHashMap<>(own));
            rest = Collections.unmodifiableMap(new LinkedHashMap<>(rest));
        }
    }

    /** {@code options} (may be absent) split into the keys in {@code own} and the rest. */
    public static Split split(Map<String, Object> options, Collection<String> own) {
        Map<String, Object> mine = new LinkedHashMap<>(), rest = new LinkedHashMap<>();
        if (options != null) options.forEach((k, v) -> (own.contains(k) ? mine : rest).put(k, v));
        return new Split(mine, rest);
    }

    /** A config error naming {@code recipe.<option>}, for checks that span options or follow from the run. */
    public static ConfigMap.ConfigException error(String option, String message) {
        return ConfigMap.error("recipe." + option, message);
    }

    public int integer(String key, int fallback, int min, int max) {
        return record(key, config.integer(key, fallback, min, max));
    }

    public double number(String key, double fallback, double min, double max) {
        return record(key, config.number(key, fallback, min, max));
    }

    public boolean bool(String key, boolean fallback) {
        return record(key, config.bool(key, fallback));
    }

    public String string(String key, String fallback) {
        return record(key, config.string(key, fallback));
    }

    /**
     * A string option naming one of an enum's constants, parsed by {@code parse(value, "recipe.<key>")} (which refuses
     * unknown names); recorded as the constant's name in lower case, {@code _} written {@code -}.
     */
    public <E extends Enum<E>> E choice(String key, String fallback, BiFunction<String, String, E> parse) {
        E value = parse.apply(config.string(key, fallback), "recipe." + key);
        record(key, value.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        return value;
    }

    /** {@code lr_schedule}: cosine, constant or wsd. */
    public LrSchedule.Kind schedule(String fallback) {
        return choice("lr_schedule", fallback, LrSchedule::kind);
    }

    /** {@code samples} (K, at least {@code minSamples}) and {@code temperature}: how most recipes sample in GENERATE. */
    public Sampling sampling(int defaultSamples, int minSamples) {
        return new Sampling(integer("samples", defaultSamples, minSamples, 1024), number("temperature", 1.0, 0, 10));
    }

    /** {@code epochs}: passes over the iteration's selection, for recipes that train by epochs (online RL, DPO). */
    public int epochs() {
        return integer("epochs", 1, 1, 1000);
    }

    /** {@code batch_size}, {@code lr}, {@code warmup_steps} and {@code lr_schedule}, falling back to {@code defaults}. */
    public Optimizer optimizer(Optimizer defaults) {
        return new Optimizer(integer("batch_size", defaults.batchSize(), 1, 1 << 20), number("lr", defaults.lr(), 0, 10),
                integer("warmup_steps", defaults.warmupSteps(), 0, 1_000_000), schedule(defaults.scheduleName()));
    }

    /** The options {@link #optimizer} reads, as the catalog lists them; {@code batchSize} says what a batch holds. */
    public static List<OptionDoc> optimizerDocs(Optimizer defaults, String batchSize) {
        return List.of(
                new OptionDoc("batch_size", "integer", defaults.batchSize(), batchSize),
                new OptionDoc("lr", "number", defaults.lr(), "AdamW peak learning rate"),
                new OptionDoc("warmup_steps", "integer", defaults.warmupSteps(), "linear warmup steps"),
                new OptionDoc("lr_schedule", "string", defaults.scheduleName(), "cosine | constant | wsd"));
    }

    /**
     * The fine-tuning plan of the STaR family: {@code train_steps} sampled batches of {@code batch_size} rows at peak
     * {@code lr} after {@code warmup_steps}, {@code demonstration_mix} of each batch from the bootstrap demonstrations, from
     * the base policy each iteration when {@code restart_from_base}. Defaults are STaR's.
     */
    public TrainPlan finetuning() {
        int steps = integer("train_steps", 300, 0, 10_000_000);
        Optimizer optimizer = optimizer(FINETUNING);
        return optimizer.steps(steps, number("demonstration_mix", 0.5, 0, 0.99), bool("restart_from_base", false));
    }

    /** The options {@link #finetuning()} reads, as the catalog lists them; {@code restartFromBase} says what a restart means to the recipe. */
    public static List<OptionDoc> finetuningDocs(String restartFromBase) {
        List<OptionDoc> out = new ArrayList<>();
        out.add(new OptionDoc("train_steps", "integer", 300, "optimizer steps per iteration"));
        out.addAll(optimizerDocs(FINETUNING, "rows per optimizer step"));
        out.add(new OptionDoc("demonstration_mix", "number", 0.5, "fraction of each batch drawn from the bootstrap demonstrations"));
        out.add(new OptionDoc("restart_from_base", "boolean", false, restartFromBase));
        return List.copyOf(out);
    }

    /** Records (or replaces, keeping its place) a resolved value the recipe derives rather than reads. */
    public void put(String key, Object value) {
        resolved.put(key, value);
    }

    /** Refuses keys no getter read; returns the resolved options in reading order (the caller's own copy). */
    public Map<String, Object> finish() {
        config.finish();
        return new LinkedHashMap<>(resolved);
    }

    private <T> T record(String key, T value) {
        resolved.put(key, value);
        return value;
    }
}
