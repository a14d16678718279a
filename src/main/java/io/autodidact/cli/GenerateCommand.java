package io.autodidact.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.ChatTemplate;
import io.autodidact.engine.Generation;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.djl.Checkpoints;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.recipe.mcts.ProcessRewardModel;
import io.autodidact.recipe.mcts.RestMcts;
import io.autodidact.recipe.mcts.StepNode;
import io.autodidact.recipe.mcts.TreeSearch;
import io.autodidact.store.RunDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code autodidact generate --model DIR (--prompt TEXT... | --prompt-ids 1,2,3)}: a completion per prompt from a model directory; with
 * {@code --search}, the answer of ReST-MCTS*'s tree search guided by a process reward model under a token budget.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Complete prompts with a Hugging Face model directory, by "
        + "sampling or (--search) by ReST-MCTS* tree search guided by a process reward model (docs/recipes.md).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (config.json, safetensors, tokenizer) or PEFT adapter.")
    Path model;

    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text, encoded with the model's tokenizer; repeat for more prompts.")
        List<String> texts;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", description = "Prompt as token ids, e.g. 1,2,3.")
        int[] ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", description = "0 = greedy (the default without --search), else sampling temperature; with --search the "
            + "steps' temperature, > 0 (default: the PRM run's recipe.temperature, else 1.0).")
    Double temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--chat", description = "Wrap --prompt as a user message in the model's chat template, with the assistant prompt.")
    boolean chat;

    @Option(names = "--json", description = "Print {ids, text, logprobs, finish_reason} as JSON.")
    boolean json;

    @Option(names = "--threads", defaultValue = "0", description = "libtorch threads (0 = all cores).")
    int threads;

    @Option(names = "--search", description = "Answer by ReST-MCTS* tree search: steps sampled from the model, valued by --prm, within "
            + "--budget-tokens per prompt; prints the complete trace the PRM values most and the tokens spent.")
    boolean search;

    @Option(names = "--prm", paramLabel = "DIR", description = "With --search: the process reward model, e.g. a rest-mcts run's "
            + "prm/checkpoint-N (its run's recipe supplies the PRM format and search settings). Default: the model values its own steps.")
    Path prm;

    @Option(names = "--budget-tokens", paramLabel = "N", description = "With --search: generated tokens each prompt's tree may spend "
            + "(default: the PRM run's recipe.budget_tokens, else 320).")
    Integer budgetTokens;

    @Option(names = "--branch", paramLabel = "N", description = "With --search: next steps sampled per expansion (default: the PRM run's, else 3).")
    Integer branch;

    @Option(names = "--step-tokens", paramLabel = "N", description = "With --search: the longest step (default: the PRM run's, else 16).")
    Integer stepTokens;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try {
            if (!search && (prm != null || budgetTokens != null || branch != null || stepTokens != null))
                throw new IllegalArgumentException("--prm, --budget-tokens, --branch and --step-tokens belong to --search; add --search");
            try (DjlEngine engine = Checkpoints.load(model, EngineOptions.defaults().withThreads(threads))) {
                List<int[]> prompts = promptIds(engine);
                if (search) search(engine, prompts, out);
                else sample(engine, prompts, out);
            }
            out.flush();
            return 0;
        } catch (IllegalArgumentException | UnsupportedOperationException | IllegalStateException | IOException | UncheckedIOException e) {
            err.println("autodidact generate: " + e.getMessage());
            err.flush();
            return 2;
        }
    }

    private void sample(DjlEngine engine, List<int[]> prompts, PrintWriter out) throws IOException {
        SamplingParams params = new SamplingParams(1, temperature == null ? 0 : temperature, topP, 0, maxNewTokens, List.of(), seed);
        for (Generation g : engine.generate(prompts, params)) {
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ids", g.tokens());
                m.put("text", g.text());
                m.put("logprobs", g.logprobs());
                m.put("finish_reason", g.finishReason().name().toLowerCase());
                out.println(new ObjectMapper().writeValueAsString(m));
            } else {
                out.println(g.text());
            }
        }
    }

    /**
     * The tree search of {@link TreeSearch} per prompt, each within its own token budget; the answer is the complete trace
     * of highest PRM value, as the rest-mcts recipe's search answers (no verifier is used).
     */
    private void search(DjlEngine engine, List<int[]> prompts, PrintWriter out) throws IOException {
        RestMcts recipe = new RestMcts(prmRecipeOptions());
        TreeSearch.Settings configured = recipe.settings(maxNewTokens);
        if (budgetTokens != null && budgetTokens < 1) throw new IllegalArgumentException("--budget-tokens must be >= 1, got " + budgetTokens);
        if (branch != null && branch < 1) throw new IllegalArgumentException("--branch must be >= 1, got " + branch);
        if (stepTokens != null && stepTokens < 1) throw new IllegalArgumentException("--step-tokens must be >= 1, got " + stepTokens);
        if (temperature != null && !(temperature > 0))
            throw new IllegalArgumentException("--temperature must be > 0 with --search (a node's branches must differ), got " + temperature);
        int b = branch != null ? branch : configured.branch(), step = stepTokens != null ? stepTokens : configured.stepTokens();
        int budget = budgetTokens != null ? budgetTokens : configured.budgetTokens();
        if (budget < b * step)
            throw new IllegalArgumentException("--budget-tokens " + budget + " cannot pay for one expansion of --branch " + b + " steps of up to "
                    + "--step-tokens " + step + " tokens (" + b * step + "); raise it or lower --branch or --step-tokens");
        TreeSearch.Settings settings = new TreeSearch.Settings(b, budget, step, maxNewTokens, temperature != null ? temperature : configured.temperature(),
                configured.exploration(), configured.stepEnd());
        List<TreeSearch.Tree> trees;
        if (prm == null) {
            trees = TreeSearch.search(engine, new ProcessRewardModel(engine, recipe.format()), prompts, settings, seed);
        } else {
            try (DjlEngine values = Checkpoints.load(prm, EngineOptions.defaults().withThreads(threads))) {
                trees = TreeSearch.search(engine, new ProcessRewardModel(values, recipe.format()), prompts, settings, seed);
            }
        }
        for (int i = 0; i < trees.size(); i++) {
            TreeSearch.Tree t = trees.get(i);
            java.util.Optional<StepNode> best = t.best();
            String prompt = engine.tokenizer().decode(prompts.get(i));
            int traces = t.root().completeLeaves().size();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("prompt", prompt);
                m.put("complete", best.isPresent());
                m.put("text", best.map(StepNode::prefixText).orElse(""));
                m.put("ids", best.map(StepNode::prefixTokens).orElse(new int[0]));
                m.put("prm_value", best.map(StepNode::prior).orElse(0.0));
                m.put("tokens", t.tokensUsed());
                m.put("budget_tokens", budget);
                m.put("expansions", t.expansions());
                m.put("complete_traces", traces);
                out.println(new ObjectMapper().writeValueAsString(m));
            } else {
                out.printf(java.util.Locale.ROOT, "== prompt %d: %s%n", i + 1, prompt.replace("\n", "\\n"));
                out.printf(java.util.Locale.ROOT, "tokens %d of %d, %d expansions, %d complete traces%s%n", t.tokensUsed(), budget, t.expansions(),
                        traces, best.map(n -> String.format(java.util.Locale.ROOT, ", chosen PRM value %.3f", n.prior())).orElse(""));
                out.println(best.map(StepNode::prefixText).orElse("(no complete trace within the budget)"));
            }
        }
    }

    /** The recipe options of the run a {@code --prm RUN/prm/checkpoint-N} belongs to, when it is a rest-mcts run; else none (defaults). */
    @SuppressWarnings("unchecked")
    private Map<String, Object> prmRecipeOptions() {
        if (prm == null) return Map.of();
        Path parent = prm.toAbsolutePath().normalize().getParent(), run = parent == null ? null : parent.getParent();
        if (run == null || !Files.isRegularFile(run.resolve("run.yaml")) || !parent.getFileName().toString().equals("prm")) return Map.of();
        if (!(RunDirectory.open(run).readRunConfig().get("recipe") instanceof Map<?, ?> recipe) || !RestMcts.NAME.equals(recipe.get("name")))
            return Map.of();
        Map<String, Object> options = new LinkedHashMap<>((Map<String, Object>) recipe);
        options.remove("name");
        return options;
    }

    private List<int[]> promptIds(DjlEngine engine) throws IOException {
        if (prompt.ids != null) {
            if (chat) throw new IllegalArgumentException("--chat needs --prompt TEXT (the template renders text), not --prompt-ids");
            return List.of(prompt.ids);
        }
        List<int[]> out = new ArrayList<>();
        for (String text : prompt.texts) {
            if (chat) {
                ChatTemplate template = ChatTemplate.load(model).orElseThrow(() -> new IllegalArgumentException(model
                        + " has no chat template (chat_template.jinja or tokenizer_config.json chat_template); drop --chat"));
                text = template.render(List.of(new ChatTemplate.Message("user", text)), true);
            }
            out.add(engine.tokenizer().encode(text));
        }
        return out;
    }
}
