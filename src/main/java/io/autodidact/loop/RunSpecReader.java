package io.autodidact.loop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a run config (YAML, or JSON, which is YAML) with {@code --set key.path=value} overrides, fills
 * the defaults documented in {@code configs/defaults.yaml}, and validates everything before any work
 * starts. The recipe's own options are validated by the recipe.
 */
public final class RunSpecReader {
    private RunSpecReader() {}

    public static RunSpec read(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) throw ConfigMap.error("config", "file " + file + " does not exist");
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw ConfigMap.error("config", "cannot read " + file + ": " + e.getMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, base, overrides, file.toString());
    }

    public static RunSpec parse(String text, Path base, List<String> overrides, String source) {
        return parse(text, base, overrides, source, UploadedDatasets.defaultRoot());
    }

    /** As {@link #parse(String, Path, List, String)}, resolving uploaded dataset names under {@code datasetsRoot}. */
    public static RunSpec parse(String text, Path base, List<String> overrides, String source, Path datasetsRoot) {
        Map<String, Object> root = load(text, source);
        for (String o : overrides) applyOverride(root, o);
        return fromMap(root, base, datasetsRoot);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> load(String text, String source) {
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw ConfigMap.error("config", source + " is not valid YAML/JSON: " + e.getMessage());
        }
        if (doc == null) return new LinkedHashMap<>();
        if (!(doc instanceof Map<?, ?> m)) throw ConfigMap.error("config", source + " must be a mapping of keys to values");
        return deepCopy((Map<String, Object>) m);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : m.entrySet())
            out.put(String.valueOf(e.getKey()), e.getValue() instanceof Map<?, ?> sub ? deepCopy((Map<String, Object>) sub) : e.getValue());
        return out;
    }

    /** {@code a.b.c=value}; the value is parsed as YAML so numbers and booleans keep their types. */
    @SuppressWarnings("unchecked")
    static void applyOverride(Map<String, Object> root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) throw ConfigMap.error("--set", "expected key.path=value, got \"" + override + "\"");
        String[] keys = override.substring(0, eq).trim().split("\\.");
        Object value = new Yaml(new SafeConstructor(new LoaderOptions())).load(override.substring(eq + 1));
        Map<String, Object> node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            Object next = node.get(keys[i]);
            if (!(next instanceof Map<?, ?>)) {
                next = new LinkedHashMap<String, Object>();
                node.put(keys[i], next);
            }
            node = (Map<String, Object>) next;
        }
        node.put(keys[keys.length - 1], value);
    }

    public static RunSpec fromMap(Map<String, Object> root, Path base) {
        return fromMap(root, base, UploadedDatasets.defaultRoot());
    }

    /** Builds the spec; {@code task.dataset} and {@code task.eval_dataset} may name datasets uploaded under {@code datasetsRoot}. */
    public static RunSpec fromMap(Map<String, Object> root, Path base, Path datasetsRoot) {
        ConfigMap c = new ConfigMap("", root);
        String name = c.string("name", "run");
        long seed = c.longValue("seed", 0);
        int iterations = c.integer("iterations", 4, 0, 10_000);

        ConfigMap t = c.section("task");
        Optional<String> builtIn = Optional.ofNullable(t.string("name", null));
        Map<String, Object> taskOptions = t.raw("options");
        Optional<Path> dataset = datasetPath("task.dataset", t.string("dataset", null), base, datasetsRoot);
        Optional<Path> evalDataset = datasetPath("task.eval_dataset", t.string("eval_dataset", null), base, datasetsRoot);
        String verifier = t.string("verifier", "exact");
        Map<String, Object> verifierOptions = t.raw("verifier_options");
        int problems = t.integer("problems_per_iteration", 1000, 1, 10_000_000);
        int minD = t.integer("min_difficulty", 1, 0, 1000);
        int maxD = t.integer("max_difficulty", 6, 0, 1000);
        Optional<RewardSpec> reward = Optional.empty();
        if (t.has("reward")) {
            ConfigMap r = t.section("reward");
            boolean codeExecution = r.bool("code_execution", false);
            Optional<Path> python = path(r.string("python", null), base);
            Optional<String> module = Optional.ofNullable(r.string("module", null));
            String function = r.string("function", "reward");
            boolean untrusted = r.bool("untrusted", codeExecution);
            int timeoutMs = r.integer("timeout_ms", 5000, 10, 3_600_000), batch = r.integer("batch", 64, 1, 100_000);
            int workers = r.integer("workers", 0, 0, 256), heapMb = r.integer("heap_mb", 512, 128, 1 << 20);
            long cacheSize = r.longValue("cache_size", 100_000);
            r.finish(); // a typo is named before the section's combination is judged
            reward = Optional.of(new RewardSpec(python, module, function, codeExecution, untrusted, timeoutMs, batch, workers, cacheSize, heapMb));
        }
        t.finish();
        var task = new RunSpec.TaskSpec(builtIn, taskOptions, dataset, evalDataset, verifier, verifierOptions, problems, minD, maxD, reward);

        ConfigMap m = c.section("model");
        String checkpoint = m.string("checkpoint", null), modelPath = m.string("path", null);
        if (checkpoint != null && modelPath != null)
            throw ConfigMap.error("model.path", "and model.checkpoint name the same thing; give one of them");
        var model = new RunSpec.ModelSpec(path(checkpoint != null ? checkpoint : modelPath, base), m.integer("hidden", 64, 8, 65_536),
                m.integer("layers", 2, 1, 256), m.integer("heads", 4, 1, 256), m.integer("kv_heads", 4, 1, 256),
                m.integer("context", 64, 8, 1 << 20));
        m.finish();

        Optional<RunSpec.BootstrapSpec> bootstrap = Optional.empty();
        if (c.has("bootstrap")) {
            ConfigMap b = c.section("bootstrap");
            String seedFile = b.string("seed_file", "builtin");
            bootstrap = Optional.of(new RunSpec.BootstrapSpec(seedFile.equals("builtin") ? Optional.empty() : path(seedFile, base),
                    b.integer("examples", 5000, 1, 100_000_000), b.integer("steps", 1500, 0, 100_000_000),
                    b.integer("batch_size", 128, 1, 1_000_000), b.number("lr", 3e-3, 0, 10), b.integer("warmup_steps", 100, 0, 100_000_000),
                    LrSchedule.kind(b.string("lr_schedule", "cosine"), "bootstrap.lr_schedule")));
            b.finish();
        }

        Map<String, Object> recipeRaw = new LinkedHashMap<>(c.raw("recipe"));
        Object recipeName = recipeRaw.remove("name");
        if (recipeName != null && !(recipeName instanceof String))
            throw ConfigMap.error("recipe.name", "must be a string, got " + recipeName);
        var recipe = new RunSpec.RecipeSpec(recipeName == null ? "star" : (String) recipeName, recipeRaw);

        ConfigMap g = c.section("generate");
        var generate = new RunSpec.GenerateSpec(g.integer("part_problems", 500, 1, 1_000_000), g.integer("max_new_tokens", 64, 1, 1 << 20),
                g.integer("max_staleness", 0));
        g.finish();
        ConfigMap e = c.section("eval");
        var eval = new RunSpec.EvalSpec(e.integer("per_difficulty", 100, 1, 1_000_000), e.integer("pass_k", 8, 0, 1024),
                e.number("temperature", 1.0, 0, 10), e.strings("headline", List.of()));
        e.finish();
        ConfigMap en = c.section("engine");
        String trainer = en.string("trainer", null);
        var engine = new RunSpec.EngineSpec(en.string("type", RunSpec.EngineSpec.DJL), en.integer("threads", 0, 0, 1024),
                en.integer("max_batch_rows", 512, 1, 1 << 20), en.strings("workers", List.of()), Optional.ofNullable(trainer),
                en.integer("chunk_rows", 64, 1, 1 << 20), en.number("heartbeat_s", 1, 0.01, 3600),
                en.number("worker_deadline_s", 10, 0.01, 86_400), en.number("request_deadline_s", 600, 0.01, 86_400 * 7),
                en.number("wait_for_workers_s", 120, 0.01, 86_400 * 7), tlsTrust(en, base));
        en.finish();
        Optional<RunSpec.LoraSpec> lora = Optional.empty();
        if (c.has("lora")) {
            ConfigMap l = c.section("lora");
            lora = Optional.of(new RunSpec.LoraSpec(l.integer("rank", 8, 1, 65_536), l.number("alpha", 16, 0, 1e6),
                    l.number("dropout", 0.05, 0, 1), l.strings("targets", List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"))));
            l.finish();
        }
        Optional<CurriculumSpec> curriculum = CurriculumSpec.read(c.section("curriculum"));
        c.finish();
        return new RunSpec(name, seed, iterations, task, model, bootstrap, recipe, generate, eval, engine, lora, curriculum);
    }

    // A file next to the config wins over an uploaded dataset of the same name, so existing configs keep their meaning.
    private static Optional<Path> datasetPath(String field, String value, Path base, Path datasetsRoot) {
        if (value == null) return Optional.empty();
        Optional<Path> local = value.startsWith(UploadedDatasets.SCHEME) ? Optional.empty() : path(value, base);
        if (local.isPresent() && Files.isRegularFile(local.get())) return local;
        Optional<String> name;
        try {
            name = UploadedDatasets.nameIn(value, datasetsRoot);
        } catch (IllegalArgumentException e) {
            throw ConfigMap.error(field, e.getMessage());
        }
        if (name.isEmpty()) return local;
        Path file = UploadedDatasets.file(datasetsRoot, name.get());
        if (!Files.isRegularFile(file))
            throw ConfigMap.error(field, "no uploaded dataset '" + name.get() + "' in " + datasetsRoot + "; upload it with a Flight DoPut to"
                    + " datasets/" + name.get() + ", or point " + UploadedDatasets.ROOT_ENV + " at the server's datasets folder");
        return Optional.of(file);
    }

    /** {@code engine.tls: {trusted_certificates: PEM}}: connect to the workers over TLS, trusting that certificate. */
    private static Optional<Path> tlsTrust(ConfigMap engine, Path base) {
        if (!engine.has("tls")) return Optional.empty();
        ConfigMap tls = engine.section("tls");
        String trusted = tls.string("trusted_certificates", null);
        tls.finish();
        if (trusted == null)
            throw ConfigMap.error("engine.tls.trusted_certificates", "is required with engine.tls: the PEM certificate the workers serve"
                    + " (their --tls-cert) or the CA certificate that signed it");
        return path(trusted, base);
    }

    private static Optional<Path> path(String value, Path base) {
        if (value == null) return Optional.empty();
        Path p = Path.of(value);
        return Optional.of(p.isAbsolute() ? p : base.resolve(p).normalize());
    }
}
