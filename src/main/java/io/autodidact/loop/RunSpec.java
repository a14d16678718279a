package io.autodidact.loop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated run configuration. Built only by {@link RunSpecReader}, which fills defaults and refuses
 * unknown keys and wrong types before any work starts; {@link #toMap()} is the resolved form written to
 * the run's {@code run.yaml}, so a run can always be reproduced from its own directory.
 */
public record RunSpec(
        String name,
        long seed,
        int iterations,
        TaskSpec task,
        ModelSpec model,
        Optional<BootstrapSpec> bootstrap,
        RecipeSpec recipe,
        GenerateSpec generate,
        EvalSpec eval,
        EngineSpec engine,
        Optional<LoraSpec> lora,
        Optional<CurriculumSpec> curriculum) {

    public RunSpec {
        if (name.isBlank() || !name.matches("[A-Za-z0-9._-]+"))
            throw ConfigMap.error("name", "must be letters, digits, '.', '_' or '-', got \"" + name + "\"");
        if (iterations < 0) throw ConfigMap.error("iterations", "must be >= 0, got " + iterations);
    }

    /**
     * Where problems come from: a built-in task by name, or dataset files with a Java verifier; {@code reward},
     * when present, replaces the verifier (a Python reward or code execution).
     */
    public record TaskSpec(
            Optional<String> builtIn,
            Map<String, Object> options,
            Optional<Path> dataset,
            Optional<Path> evalDataset,
            String verifier,
            Map<String, Object> verifierOptions,
            int problemsPerIteration,
            int minDifficulty,
            int maxDifficulty,
            Optional<RewardSpec> reward) {
        public TaskSpec {
            java.util.Objects.requireNonNull(reward, "reward");
            if (builtIn.isEmpty() && dataset.isEmpty())
                throw ConfigMap.error("task", "give either task.name (a built-in task, e.g. addition) or task.dataset (a JSONL or Arrow file)");
            if (builtIn.isPresent() && dataset.isPresent())
                throw ConfigMap.error("task", "give task.name or task.dataset, not both");
            for (Optional<Path> p : List.of(dataset, evalDataset))
                if (p.isPresent() && !Files.isRegularFile(p.get()))
                    throw ConfigMap.error(p == dataset ? "task.dataset" : "task.eval_dataset",
                            "file " + p.get() + " does not exist; give a path relative to the config file or absolute");
            if (problemsPerIteration < 1) throw ConfigMap.error("task.problems_per_iteration", "must be >= 1, got " + problemsPerIteration);
            if (minDifficulty > maxDifficulty)
                throw ConfigMap.error("task.min_difficulty", "(" + minDifficulty + ") exceeds task.max_difficulty (" + maxDifficulty + ")");
            options = Map.copyOf(options);
            verifierOptions = Map.copyOf(verifierOptions);
        }
    }

    /** The policy: a checkpoint directory to start from ({@code model.path} or {@code model.checkpoint}), or a fresh model of the given shape. */
    public record ModelSpec(Optional<Path> checkpoint, int hidden, int layers, int heads, int kvHeads, int context) {
        public ModelSpec {
            if (checkpoint.isPresent() && !Files.isDirectory(checkpoint.get()))
                throw ConfigMap.error("model.path", "directory " + checkpoint.get() + " does not exist; give a Hugging Face model directory");
            if (hidden % heads != 0) throw ConfigMap.error("model.hidden", "(" + hidden + ") must be a multiple of model.heads (" + heads + ")");
            if (heads % kvHeads != 0) throw ConfigMap.error("model.kv_heads", "(" + kvHeads + ") must divide model.heads (" + heads + ")");
        }
    }

    /** Supervised training of the base policy on labelled demonstrations before the loop. */
    public record BootstrapSpec(Optional<Path> seedFile, int examples, int steps, int batchSize, double lr, int warmupSteps, LrSchedule.Kind schedule) {
        public BootstrapSpec {
            if (seedFile.isPresent() && !Files.isRegularFile(seedFile.get()))
                throw ConfigMap.error("bootstrap.seed_file", "file " + seedFile.get() + " does not exist");
        }
    }

    public record RecipeSpec(String name, Map<String, Object> options) {
        public RecipeSpec {
            options = Map.copyOf(options);
        }
    }

    /**
     * How rollouts are produced and stored: problems per durable part, the completion budget, and how far generation may
     * run ahead of training.
     *
     * @param maxStaleness 0: each iteration samples from the policy the previous one trained; N: iteration n may sample from
     *                     any policy from n-1-N to n-1, so generation runs up to N iterations ahead of training (see
     *                     docs/workers.md#asynchronous-generation)
     */
    public record GenerateSpec(int partProblems, int maxNewTokens, int maxStaleness) {
        /** Far enough for any pipeline we know of (AReaL and prime-rl run 1 to 8 behind); each step ahead costs disk, not memory. */
        public static final int MAX_STALENESS = 16;

        public GenerateSpec {
            if (maxStaleness < 0 || maxStaleness > MAX_STALENESS)
                throw ConfigMap.error("generate.max_staleness", "must be in [0, " + MAX_STALENESS + "] (0: synchronous; N: iteration n samples "
                        + "from a policy at most N versions older than n-1's), got " + maxStaleness);
        }

        public GenerateSpec(int partProblems, int maxNewTokens) {
            this(partProblems, maxNewTokens, 0);
        }
    }

    /**
     * Held-out evaluation: greedy pass@1 and pass@k at a temperature, on {@code perDifficulty} problems per
     * difficulty. {@code headline} names the sets whose mean is the run's headline accuracy (empty = all sets):
     * a demo that targets long sums reports accuracy on them, while every set stays in the metrics.
     */
    public record EvalSpec(int perDifficulty, int passK, double temperature, List<String> headline) {
        public EvalSpec {
            headline = List.copyOf(headline);
        }
    }

    /**
     * Which engine runs the policy: {@code djl} (in this process, {@code threads} and {@code maxBatchRows}) or
     * {@code remote} (on workers speaking flight/worker-protocol.md: generation spread over {@code workers}, training on
     * {@code trainer}, the first worker by default), with the remote engine's supervision settings.
     */
    public record EngineSpec(String type, int threads, int maxBatchRows, List<String> workers, Optional<String> trainer, int chunkRows,
            double heartbeatSeconds, double workerDeadlineSeconds, double requestDeadlineSeconds, double waitForWorkersSeconds,
            Optional<Path> tlsTrustedCertificates) {
        public static final String DJL = "djl", REMOTE = "remote";

        public EngineSpec {
            workers = List.copyOf(workers);
            java.util.Objects.requireNonNull(trainer, "trainer");
            java.util.Objects.requireNonNull(tlsTrustedCertificates, "tlsTrustedCertificates");
            if (type.equals(DJL) && tlsTrustedCertificates.isPresent())
                throw ConfigMap.error("engine.tls", "applies only with engine.type: remote (TLS to the workers)");
            tlsTrustedCertificates.ifPresent(t -> {
                if (!Files.isRegularFile(t))
                    throw ConfigMap.error("engine.tls.trusted_certificates", t + " is not a file; give the PEM certificate the workers serve"
                            + " (their --tls-cert) or the CA certificate that signed it");
            });
            if (!type.equals(DJL) && !type.equals(REMOTE))
                throw ConfigMap.error("engine.type", "must be djl (in this process) or remote (workers), got \"" + type + "\"");
            if (type.equals(DJL) && (!workers.isEmpty() || trainer.isPresent()))
                throw ConfigMap.error(workers.isEmpty() ? "engine.trainer" : "engine.workers", "applies only with engine.type: remote");
            if (type.equals(REMOTE)) {
                if (workers.isEmpty())
                    throw ConfigMap.error("engine.workers", "engine.type remote needs at least one worker, e.g. workers: [127.0.0.1:18816]");
                for (int i = 0; i < workers.size(); i++) checkAddress("engine.workers[" + i + "]", workers.get(i));
                if (new java.util.HashSet<>(workers).size() != workers.size())
                    throw ConfigMap.error("engine.workers", "names a worker twice: " + workers);
                trainer.ifPresent(t -> checkAddress("engine.trainer", t));
            }
            if (chunkRows < 1) throw ConfigMap.error("engine.chunk_rows", "must be >= 1, got " + chunkRows);
            for (double d : new double[] {heartbeatSeconds, workerDeadlineSeconds, requestDeadlineSeconds, waitForWorkersSeconds})
                if (!(d > 0)) throw ConfigMap.error("engine", "heartbeat_s, worker_deadline_s, request_deadline_s and wait_for_workers_s must be > 0");
        }

        public boolean remote() {
            return type.equals(REMOTE);
        }

        private static void checkAddress(String field, String address) {
            int colon = address.lastIndexOf(':');
            boolean ok = colon > 0 && address.substring(colon + 1).matches("\\d{1,5}")
                    && Integer.parseInt(address.substring(colon + 1)) >= 1 && Integer.parseInt(address.substring(colon + 1)) <= 65_535;
            if (!ok) throw ConfigMap.error(field, "\"" + address + "\" is not host:port, e.g. 127.0.0.1:18816");
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.put("threads", threads);
            m.put("max_batch_rows", maxBatchRows);
            if (remote()) {
                m.put("workers", workers);
                m.put("trainer", trainer.orElse(workers.getFirst()));
                m.put("chunk_rows", chunkRows);
                m.put("heartbeat_s", heartbeatSeconds);
                m.put("worker_deadline_s", workerDeadlineSeconds);
                m.put("request_deadline_s", requestDeadlineSeconds);
                m.put("wait_for_workers_s", waitForWorkersSeconds);
                tlsTrustedCertificates.ifPresent(t -> m.put("tls", Map.of("trusted_certificates", t.toString())));
            }
            return m;
        }
    }

    /** Train LoRA adapters instead of every weight (validated by the engine's LoraConfig too). */
    public record LoraSpec(int rank, double alpha, double dropout, List<String> targets) {
        public LoraSpec {
            if (rank < 1) throw ConfigMap.error("lora.rank", "must be >= 1, got " + rank);
            if (!(alpha > 0)) throw ConfigMap.error("lora.alpha", "must be > 0, got " + alpha);
            if (!(dropout >= 0 && dropout < 1)) throw ConfigMap.error("lora.dropout", "must be in [0, 1), got " + dropout);
            if (targets.isEmpty()) throw ConfigMap.error("lora.targets", "is empty; name projections such as q_proj, v_proj");
            targets = List.copyOf(targets);
        }
    }

    private static Object headlineValue(String name) {
        return name.matches("\\d+") ? Integer.parseInt(name) : name;
    }

    public RunSpec withIterations(int value) {
        return new RunSpec(name, seed, value, task, model, bootstrap, recipe, generate, eval, engine, lora, curriculum);
    }

    /** The resolved configuration, every default filled in. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("seed", seed);
        m.put("iterations", iterations);
        Map<String, Object> t = new LinkedHashMap<>();
        task.builtIn().ifPresent(n -> t.put("name", n));
        if (!task.options().isEmpty()) t.put("options", task.options());
        task.dataset().ifPresent(p -> t.put("dataset", p.toString()));
        task.evalDataset().ifPresent(p -> t.put("eval_dataset", p.toString()));
        if (task.dataset().isPresent()) {
            t.put("verifier", task.verifier());
            if (!task.verifierOptions().isEmpty()) t.put("verifier_options", task.verifierOptions());
        }
        t.put("problems_per_iteration", task.problemsPerIteration());
        t.put("min_difficulty", task.minDifficulty());
        t.put("max_difficulty", task.maxDifficulty());
        task.reward().ifPresent(r -> t.put("reward", r.toMap()));
        m.put("task", t);
        Map<String, Object> mo = new LinkedHashMap<>();
        model.checkpoint().ifPresent(p -> mo.put("checkpoint", p.toString()));
        mo.put("hidden", model.hidden());
        mo.put("layers", model.layers());
        mo.put("heads", model.heads());
        mo.put("kv_heads", model.kvHeads());
        mo.put("context", model.context());
        m.put("model", mo);
        bootstrap.ifPresent(b -> {
            Map<String, Object> bm = new LinkedHashMap<>();
            bm.put("seed_file", b.seedFile().map(Path::toString).orElse("builtin"));
            bm.put("examples", b.examples());
            bm.put("steps", b.steps());
            bm.put("batch_size", b.batchSize());
            bm.put("lr", b.lr());
            bm.put("warmup_steps", b.warmupSteps());
            bm.put("lr_schedule", b.schedule().name().toLowerCase());
            m.put("bootstrap", bm);
        });
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", recipe.name());
        r.putAll(recipe.options());
        m.put("recipe", r);
        m.put("generate", Map.of("part_problems", generate.partProblems(), "max_new_tokens", generate.maxNewTokens(), "max_staleness",
                generate.maxStaleness()));
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("per_difficulty", eval.perDifficulty());
        ev.put("pass_k", eval.passK());
        ev.put("temperature", eval.temperature());
        ev.put("headline", eval.headline().stream().map(RunSpec::headlineValue).toList());
        m.put("eval", ev);
        m.put("engine", engine.toMap());
        lora.ifPresent(l -> {
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("rank", l.rank());
            lm.put("alpha", l.alpha());
            lm.put("dropout", l.dropout());
            lm.put("targets", l.targets());
            m.put("lora", lm);
        });
        curriculum.ifPresent(cu -> m.put("curriculum", cu.toMap()));
        return m;
    }
}
