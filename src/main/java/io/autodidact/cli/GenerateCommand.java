package io.autodidact.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.ChatTemplate;
import io.autodidact.engine.Generation;
import io.autodidact.engine.SamplingParams;
import io.autodidact.engine.djl.Checkpoints;
import io.autodidact.engine.djl.DjlEngine;
import io.autodidact.engine.djl.EngineOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code autodidact generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3)}: one completion from a model directory. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Complete a prompt with a Hugging Face model directory.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (config.json, safetensors, tokenizer) or PEFT adapter.")
    Path model;

    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text, encoded with the model's tokenizer.")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", description = "Prompt as token ids, e.g. 1,2,3.")
        int[] ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default), else sampling temperature.")
    double temperature;

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

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try (DjlEngine engine = Checkpoints.load(model, EngineOptions.defaults().withThreads(threads))) {
            int[] ids = promptIds(engine);
            SamplingParams params = new SamplingParams(1, temperature, topP, 0, maxNewTokens, List.of(), seed);
            Generation g = engine.generate(List.of(ids), params).getFirst();
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
            out.flush();
            return 0;
        } catch (IllegalArgumentException | UnsupportedOperationException | IllegalStateException | IOException | UncheckedIOException e) {
            err.println("autodidact generate: " + e.getMessage());
            err.flush();
            return 2;
        }
    }

    private int[] promptIds(DjlEngine engine) throws IOException {
        if (prompt.ids != null) {
            if (chat) throw new IllegalArgumentException("--chat needs --prompt TEXT (the template renders text), not --prompt-ids");
            return prompt.ids;
        }
        String text = prompt.text;
        if (chat) {
            ChatTemplate template = ChatTemplate.load(model).orElseThrow(() -> new IllegalArgumentException(model
                    + " has no chat template (chat_template.jinja or tokenizer_config.json chat_template); drop --chat"));
            text = template.render(List.of(new ChatTemplate.Message("user", text)), true);
        }
        return engine.tokenizer().encode(text);
    }
}
