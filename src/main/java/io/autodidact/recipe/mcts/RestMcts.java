package io.autodidact.recipe.mcts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.EngineFactory;
import io.autodidact.engine.PolicyEngine;
import io.autodidact.engine.SamplingParams;
import io.autodidact.loop.OptionDoc;
import io.autodidact.loop.Problem;
import io.autodidact.loop.Recipe;
import io.autodidact.loop.Rollout;
import io.autodidact.loop.Sampler;
import io.autodidact.recipe.RecipeOptions;
import io.autodidact.recipe.Star;
import io.autodidact.reward.Sample;
import io.autodidact.reward.Score;
import io.autodidact.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * ReST-MCTS* (Zhang et al. 2024, "ReST-MCTS*: LLM Self-Training via Process Reward Guided Tree Search"): GENERATE
 * searches a tree of steps per problem ({@link TreeSearch}, guided by a process reward model), verifies its complete
 * traces with the task's reward, and infers per-step value targets from the tree ({@link ValueTargets}); SELECT keeps
 * verified-correct traces for the policy (STaR's selection and update) and trains the PRM on the targets.
 *
 * <p>The PRM ({@link ProcessRewardModel}) is a second model of the policy's family: in iteration 1 the base policy
 * itself (a cold start; the paper starts from a PRM trained on other data), afterwards the previous iteration's PRM
 * fine-tuned on this iteration's targets. Kept in the run directory so a resumed run uses the same one:
 *
 * <pre>
 *   prm/targets-&lt;it&gt;-&lt;part&gt;.json   per problem: tokens spent, traces, and every value target with the PRM's value
 *   prm/checkpoint-&lt;it&gt;/              the PRM trained in iteration it's SELECT (what iteration it+1 searches with)
 * </pre>
 *
 * Differences from the paper, all for a laptop: the PRM regresses its targets by soft-label cross-entropy on a verdict
 * token instead of MSE on a scalar head (see {@link ProcessRewardModel}); the search has no roll-out simulation step;
 * its budget is in generated tokens; the paper's PRM recipe (AdamW 3e-6, 2 epochs, THUDM/ReST-MCTS
 * {@code PRM/train_VM_mistral.py}) becomes a fixed number of sampled batches ({@code prm_train_steps}).
 */
public final class RestMcts implements Recipe {
    public static final String NAME = "rest-mcts";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final List<OptionDoc> OPTIONS = Stream.concat(Stream.of(
            new OptionDoc("branch", "integer", 3, "next steps sampled per expansion"),
            new OptionDoc("budget_tokens", "integer", 320, "generated tokens each problem's tree may spend"),
            new OptionDoc("step_tokens", "integer", 16, "longest step; a longer one is cut and neither continued nor verified"),
            new OptionDoc("step_end", "string", "\n", "the text that ends a step"),
            new OptionDoc("exploration", "number", 0.2, "UCT's c in V + c sqrt(2 ln N / n)"),
            new OptionDoc("temperature", "number", 1.0, "sampling temperature of the steps"),
            new OptionDoc("prm_separator", "string", "=", "put between a prefix and the PRM's verdict"),
            new OptionDoc("prm_positive", "string", "1", "the PRM's verdict token for a good prefix (one token of the task's alphabet)"),
            new OptionDoc("prm_negative", "string", "0", "the PRM's verdict token for a bad prefix"),
            new OptionDoc("prm_train_steps", "integer", 200, "PRM optimizer steps per iteration"),
            new OptionDoc("prm_batch_size", "integer", 128, "PRM rows per step"),
            new OptionDoc("prm_lr", "number", 1e-3, "PRM AdamW learning rate (constant)"),
            new OptionDoc("max_per_problem", "integer", 1, "distinct correct traces kept per problem for the policy")),
            RecipeOptions.finetuningDocs("fine-tune the base policy each iteration instead of continuing").stream().map(RestMcts::ofThePolicy)).toList();

    /** Star's fine-tuning options, said of the policy where the PRM has its own of the same kind. */
    private static OptionDoc ofThePolicy(OptionDoc star) {
        return List.of("train_steps", "batch_size", "lr").contains(star.name())
                ? new OptionDoc(star.name(), star.type(), star.defaultValue(), "policy " + star.meaning())
                : star;
    }

    /** The options that configure the policy's selection and update, which are Star's. */
    private static final List<String> STAR_OPTIONS = List.of("max_per_problem", "train_steps", "batch_size", "lr", "warmup_steps", "lr_schedule",
            "demonstration_mix", "restart_from_base");

    private final int branch, budgetTokens, stepTokens, prmTrainSteps, prmBatchSize;
    private final String stepEnd;
    private final double exploration, temperature, prmLr;
    private final ProcessRewardModel.Format format;
    private final Star star;
    private final Map<String, Object> resolved;
    private final Optional<Path> runDir;
    private final Optional<EngineFactory> engines;

    public RestMcts(Map<String, Object> options) {
        RecipeOptions o = new RecipeOptions(options);
        branch = o.integer("branch", 3, 1, 64);
        budgetTokens = o.integer("budget_tokens", 320, 1, 1 << 24);
        stepTokens = o.integer("step_tokens", 16, 1, 1 << 16);
        stepEnd = o.string("step_end", "\n");
        exploration = o.number("exploration", 0.2, 0, 100);
        temperature = o.number("temperature", 1.0, 0, 10);
        format = new ProcessRewardModel.Format(o.string("prm_separator", "="), o.string("prm_positive", "1"), o.string("prm_negative", "0"));
        prmTrainSteps = o.integer("prm_train_steps", 200, 0, 10_000_000);
        prmBatchSize = o.integer("prm_batch_size", 128, 1, 1 << 20);
        prmLr = o.number("prm_lr", 1e-3, 0, 10);
        o.integer("max_per_problem", 1, 1, 1024);
        o.finetuning();
        resolved = o.finish();
        Map<String, Object> starOptions = new LinkedHashMap<>();
        starOptions.put("samples", 1); // the search makes the traces; Star only selects and trains on them
        for (String key : STAR_OPTIONS) starOptions.put(key, resolved.get(key));
        star = new Star(starOptions);
        settings(40); // the search's own checks (budget covers an expansion, temperature > 0), before any run starts
        runDir = Optional.empty();
        engines = Optional.empty();
    }

    private RestMcts(RestMcts unbound, Path runDir, EngineFactory engines) {
        branch = unbound.branch;
        budgetTokens = unbound.budgetTokens;
        stepTokens = unbound.stepTokens;
        stepEnd = unbound.stepEnd;
        exploration = unbound.exploration;
        temperature = unbound.temperature;
        format = unbound.format;
        prmTrainSteps = unbound.prmTrainSteps;
        prmBatchSize = unbound.prmBatchSize;
        prmLr = unbound.prmLr;
        star = unbound.star;
        resolved = unbound.resolved;
        this.runDir = Optional.of(runDir);
        this.engines = Optional.of(engines);
    }

    @Override
    public Recipe inRun(Path runDirectory, EngineFactory engineFactory) {
        return new RestMcts(this, runDirectory, engineFactory);
    }

    /** The search as configured, for solutions of at most {@code maxNewTokens} tokens. */
    public TreeSearch.Settings settings(int maxNewTokens) {
        return new TreeSearch.Settings(branch, budgetTokens, stepTokens, maxNewTokens, temperature, exploration, stepEnd);
    }

    public ProcessRewardModel.Format format() {
        return format;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SamplingParams sampling(int iteration, int maxNewTokens, long seed) {
        return SamplingParams.sample(branch, temperature, maxNewTokens, seed);
    }

    @Override
    public Optional<Sampler> sampler() {
        return Optional.of(this::search);
    }

    /** Where the PRM trained in {@code iteration}'s SELECT is kept. */
    public static Path prmCheckpoint(Path runDir, int iteration) {
        return runDir.resolve("prm").resolve("checkpoint-" + iteration);
    }

    static Path targetsFile(Path runDir, int iteration, int part) {
        return runDir.resolve("prm").resolve("targets-" + iteration + "-" + part + ".json");
    }

    private Path dir() {
        return runDir.orElseThrow(() -> new IllegalStateException("recipe " + NAME + " keeps its PRM in the run directory; run it through "
                + "LoopRunner (./autodidact run), which binds it to one"));
    }

    /** The PRM iteration {@code it} searches with: the base policy in iteration 1, else the one trained in it - 1. */
    private PolicyEngine prmFor(int it, PolicyEngine policy) {
        if (it == 1) return policy;
        Path checkpoint = prmCheckpoint(dir(), it - 1);
        if (!Files.isDirectory(checkpoint))
            throw new IllegalStateException("run " + dir() + ": the PRM of iteration " + (it - 1) + " is missing (" + checkpoint
                    + ") although that iteration was selected; the run directory was modified");
        return engines.orElseThrow().load(checkpoint);
    }

    /** GENERATE of one part: search, verify the complete traces, store the value targets, return the traces. */
    private List<Rollout> search(Sampler.Context context) {
        int it = context.iteration();
        PolicyEngine policy = context.policy();
        PolicyEngine prmEngine = prmFor(it, policy);
        List<TreeSearch.Tree> trees;
        try {
            trees = TreeSearch.search(policy, new ProcessRewardModel(prmEngine, format), context.prompts(),
                    settings(context.params().maxNewTokens()), context.params().seed());
        } finally {
            if (prmEngine != policy) prmEngine.close();
        }
        List<Problem> problems = context.problems();
        List<Sample> samples = new ArrayList<>();
        List<StepNode> leaves = new ArrayList<>();
        for (int i = 0; i < trees.size(); i++)
            for (StepNode leaf : trees.get(i).root().completeLeaves()) {
                samples.add(new Sample(problems.get(i), leaf.prefixText()));
                leaves.add(leaf);
            }
        List<Score> scores = samples.isEmpty() ? List.of() : context.score(samples);
        for (int i = 0; i < leaves.size(); i++) leaves.get(i).verify(scores.get(i).correct() && scores.get(i).error().isEmpty());
        int eos = policy.tokenizer().eosId();
        List<Rollout> out = new ArrayList<>();
        List<Map<String, Object>> record = new ArrayList<>();
        for (int i = 0; i < trees.size(); i++) {
            TreeSearch.Tree tree = trees.get(i);
            List<StepNode> traces = tree.root().completeLeaves();
            for (int j = 0; j < traces.size(); j++) {
                StepNode leaf = traces.get(j);
                int[] tokens = leaf.prefixTokens();
                boolean ended = tokens.length > 0 && tokens[tokens.length - 1] == eos;
                out.add(new Rollout(it, problems.get(i).id(), j, context.prompts().get(i), tokens, leaf.prefixLogprobs(), leaf.prefixText(),
                        ended ? "eos" : "length", temperature, 0, false, false, 0, ""));
            }
            record.add(treeRecord(problems.get(i), tree, traces));
        }
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("iteration", it);
        file.put("part", context.part());
        file.put("problems", record);
        try {
            AtomicFiles.write(targetsFile(dir(), it, context.part()), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the value targets of iteration " + it + " part " + context.part(), e);
        }
        return out;
    }

    private static Map<String, Object> treeRecord(Problem problem, TreeSearch.Tree tree, List<StepNode> traces) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", problem.id());
        m.put("prompt", problem.prompt());
        m.put("tokens", tree.tokensUsed());
        m.put("expansions", tree.expansions());
        m.put("traces", traces.size());
        m.put("correct_traces", traces.stream().filter(StepNode::correct).count());
        List<Map<String, Object>> targets = new ArrayList<>();
        for (ValueTargets.Target t : ValueTargets.infer(tree.root())) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("prefix", t.node().prefixText());
            row.put("value", t.value());
            row.put("prm", t.node().prior());
            row.put("reaches_correct", t.reachesCorrect());
            targets.add(row);
        }
        m.put("targets", targets);
        return m;
    }

    @Override
    public List<Rollout> select(int iteration, List<Rollout> scored) {
        return star.select(iteration, scored);
    }

    /**
     * STaR's selection of the traces, then the PRM's training on this iteration's targets; monitors: tokens the
     * search spent, traces per problem, the number of targets, the searching PRM's AUC on them (correct-reaching
     * prefixes against the rest) and the PRM's training loss.
     */
    @Override
    public Selection select(int iteration, List<Rollout> scored, PolicyEngine policy) {
        List<Rollout> selected = star.select(iteration, scored);
        List<ProcessRewardModel.Example> examples = new ArrayList<>();
        List<Double> prm = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        long tokens = 0, traces = 0, problems = 0;
        for (Map<String, Object> file : targetFiles(iteration))
            for (Object o : (List<?>) file.get("problems")) {
                Map<?, ?> p = (Map<?, ?>) o;
                problems++;
                tokens += ((Number) p.get("tokens")).longValue();
                traces += ((Number) p.get("traces")).longValue();
                int[] prompt = policy.tokenizer().encode((String) p.get("prompt"));
                for (Object t : (List<?>) p.get("targets")) {
                    Map<?, ?> row = (Map<?, ?>) t;
                    examples.add(new ProcessRewardModel.Example(prompt, policy.tokenizer().encode((String) row.get("prefix")),
                            ((Number) row.get("value")).doubleValue()));
                    prm.add(((Number) row.get("prm")).doubleValue());
                    labels.add((Boolean) row.get("reaches_correct"));
                }
            }
        double loss = trainPrm(iteration, policy, examples);
        Map<String, Double> monitors = new LinkedHashMap<>();
        monitors.put("search_tokens", (double) tokens);
        monitors.put("search_tokens_per_problem", problems == 0 ? 0 : tokens / (double) problems);
        monitors.put("search_traces_per_problem", problems == 0 ? 0 : traces / (double) problems);
        monitors.put("prm_targets", (double) examples.size());
        double[] scores = prm.stream().mapToDouble(Double::doubleValue).toArray();
        boolean[] positive = new boolean[labels.size()];
        for (int i = 0; i < positive.length; i++) positive[i] = labels.get(i);
        double auc = Auc.of(scores, positive);
        if (Double.isFinite(auc)) monitors.put("prm_auc", auc);
        if (Double.isFinite(loss)) monitors.put("prm_loss", loss);
        return new Selection(selected, monitors);
    }

    private List<Map<String, Object>> targetFiles(int iteration) {
        Path folder = dir().resolve("prm");
        String prefix = "targets-" + iteration + "-";
        List<Path> files;
        try (Stream<Path> list = Files.isDirectory(folder) ? Files.list(folder) : Stream.empty()) {
            files = list.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(".json"))
                    .sorted(Comparator.comparing(f -> Integer.parseInt(f.getFileName().toString().substring(prefix.length()).replace(".json", ""))))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Path f : files) {
            try {
                out.add(JSON.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {}));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the value targets " + f, e);
            }
        }
        return out;
    }

    /** Trains the next PRM from the current one and keeps it (replacing a copy a crash left before SELECT was journaled). */
    private double trainPrm(int iteration, PolicyEngine policy, List<ProcessRewardModel.Example> examples) {
        Path target = prmCheckpoint(dir(), iteration), partial = target.resolveSibling(target.getFileName() + ".partial");
        try (PolicyEngine engine = iteration == 1 ? policy.fork() : prmFor(iteration, policy)) {
            double loss = new ProcessRewardModel(engine, format).train(examples, prmTrainSteps, prmBatchSize, prmLr,
                    TreeSearch.mix(examples.size(), iteration, 7));
            deleteTree(partial);
            engine.save(partial);
            deleteTree(target);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            return loss;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the PRM of iteration " + iteration + " at " + target, e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Override
    public TrainPlan trainPlan(int iteration) {
        return star.trainPlan(iteration);
    }

    @Override
    public Map<String, Object> options() {
        return resolved;
    }
}
