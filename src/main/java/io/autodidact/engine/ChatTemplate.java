package io.autodidact.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's chat template (the Jinja in {@code chat_template.jinja} or {@code tokenizer_config.json}) rendered with
 * Jinjava as transformers' {@code apply_chat_template} renders it: {@code trim_blocks} and {@code lstrip_blocks} on,
 * {@code messages}, {@code add_generation_prompt} and the tokenizer's special token strings in scope.
 *
 * <p>Jinjava is not Jinja2: a few Python-isms that chat templates use are rewritten into equivalents first (see
 * {@link #translate}); a template that still fails to render is an error naming the file and Jinjava's complaint,
 * never a silently different prompt. Known gap: Python's {@code split}/{@code strip(chars)} on strings (Qwen3 uses
 * them only for assistant turns that contain {@code </think>}) are not translated.
 */
public final class ChatTemplate {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One turn of a conversation. */
    public record Message(String role, String content) {
        public Message {
            if (role.isBlank()) throw new IllegalArgumentException("message role is blank; use system, user or assistant");
        }
    }

    private final Path source;
    private final String template;
    private final Map<String, Object> specialTokens;
    private final Jinjava jinjava;

    public ChatTemplate(Path source, String template, Map<String, Object> specialTokens) {
        this.source = source;
        this.template = translate(template);
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).withFailOnUnknownTokens(false).build());
    }

    /** The template of {@code modelDir}: {@code chat_template.jinja} if present, else {@code tokenizer_config.json}'s {@code chat_template}. */
    public static Optional<ChatTemplate> load(Path modelDir) throws IOException {
        Path config = modelDir.resolve("tokenizer_config.json");
        JsonNode root = null;
        if (Files.isRegularFile(config)) {
            try {
                root = JSON.readTree(config.toFile());
            } catch (IOException e) {
                throw new IOException(config + " is not valid JSON: " + e.getMessage(), e);
            }
        }
        Map<String, Object> special = new LinkedHashMap<>();
        if (root != null)
            for (String token : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
                JsonNode v = root.get(token);
                if (v != null && v.isObject()) v = v.get("content");
                if (v != null && v.isTextual()) special.put(token, v.textValue());
            }
        Path jinja = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) return Optional.of(new ChatTemplate(jinja, Files.readString(jinja), special));
        if (root == null || !root.hasNonNull("chat_template")) return Optional.empty();
        JsonNode t = root.get("chat_template");
        if (t.isTextual()) return Optional.of(new ChatTemplate(config, t.textValue(), special));
        if (t.isArray()) // named templates: transformers uses "default" unless told otherwise
            for (JsonNode named : t)
                if (named.path("name").asText().equals("default"))
                    return Optional.of(new ChatTemplate(config, named.path("template").asText(), special));
        throw new IOException(config + ": chat_template must be a string or a list with a template named \"default\", got " + t.getNodeType());
    }

    /** Renders {@code messages}; {@code addGenerationPrompt} appends the opening of the assistant's turn. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /** As {@link #render(List, boolean)}, with extra template variables (e.g. {@code enable_thinking: false} for Qwen3). */
    public String render(List<Message> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
        if (messages.isEmpty()) throw new IllegalArgumentException("a chat needs at least one message");
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (Message m : messages) msgs.add(Map.of("role", m.role(), "content", m.content()));
        Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.putAll(extra);
        RenderResult result = jinjava.renderForResult(template, vars);
        List<TemplateError> fatal = result.getErrors().stream().filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
        if (!fatal.isEmpty())
            throw new IllegalArgumentException("chat template of " + source + " failed to render: " + fatal.getFirst().getMessage()
                    + (fatal.getFirst().getLineno() > 0 ? " (line " + fatal.getFirst().getLineno() + ")" : ""));
        return result.getOutput();
    }

    /** Python expressions Jinja2 accepts and Jinjava does not, rewritten to what Jinjava computes the same way. */
    static String translate(String template) {
        // Jinja's "-" inside a tag strips all whitespace on that side; Jinjava ignores it on {{ }}, so strip it here.
        String t = template.replaceAll("\\s*\\{([{%#])-", "{$1").replaceAll("-([}%#])}\\s*", "$1}");
        t = t.replace("messages[::-1]", "(messages|reverse)")
                // Jinjava calls Java's String methods: Python's startswith/endswith are spelt startsWith/endsWith there.
                .replace(".startswith(", ".startsWith(").replace(".endswith(", ".endsWith(");
        // Jinjava binds `name=a|length - 1` as (name=a|length) - 1: parenthesise each keyword argument of namespace().
        Matcher m = NAMESPACE.matcher(t);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            List<String> args = new ArrayList<>();
            for (String arg : m.group(1).split(",")) {
                int eq = arg.indexOf('=');
                args.add(eq < 0 ? arg.strip() : arg.substring(0, eq).strip() + "=(" + arg.substring(eq + 1).strip() + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement("namespace(" + String.join(", ", args) + ")"));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static final Pattern NAMESPACE = Pattern.compile("namespace\\(([^()]*)\\)");
}
