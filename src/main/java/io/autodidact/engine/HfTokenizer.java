package io.autodidact.engine;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} run by the Rust {@code tokenizers} library through DJL, giving exactly the
 * ids transformers gives with {@code add_special_tokens=False}: no BOS/EOS added, no truncation, no padding.
 * Special tokens written in the text (e.g. {@code <|im_start|>}) are matched as such.
 *
 * <p>eos and pad ids come from the files next to {@code tokenizer.json}, first match wins:
 * <ol>
 *   <li>{@code generation_config.json} {@code eos_token_id} / {@code pad_token_id} (what {@code generate} stops on),
 *   <li>{@code config.json} {@code eos_token_id} / {@code pad_token_id},
 *   <li>{@code tokenizer_config.json} {@code eos_token} / {@code pad_token} (a token string, looked up in
 *       {@code tokenizer.json}),
 *   <li>the default passed to {@link #open(Path, int, int)}.
 * </ol>
 * An id given as a list takes its first element as {@link #eosId()}, and generation stops on any of them ({@link #eosIds()}); {@code null} counts as absent. Without a default, a missing eos is
 * an error and a missing pad falls back to eos, as transformers' {@code generate} does.
 *
 * <p>Holds native memory: close it.
 */
public final class HfTokenizer implements Tokenizer {

    public static final String FILE = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final int eosId;
    private final int padId;
    private final java.util.Set<Integer> eosIds;

    private HfTokenizer(Path file, HuggingFaceTokenizer tokenizer, int vocabSize, int eosId, int padId, java.util.Set<Integer> eosIds) {
        this.eosIds = eosIds;
        this.file = file;
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.eosId = eosId;
        this.padId = padId;
    }

    /** Loads {@code tokenizerJson}; eos must be found in the sibling config files (see the class comment). */
    public static HfTokenizer open(Path tokenizerJson) throws IOException {
        return open(tokenizerJson, OptionalInt.empty(), OptionalInt.empty());
    }

    /** Loads {@code tokenizerJson}; the config files override the given eos and pad ids where they name them. */
    public static HfTokenizer open(Path tokenizerJson, int defaultEosId, int defaultPadId) throws IOException {
        return open(tokenizerJson, OptionalInt.of(defaultEosId), OptionalInt.of(defaultPadId));
    }

    private static HfTokenizer open(Path tokenizerJson, OptionalInt defaultEos, OptionalInt defaultPad) throws IOException {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson must not be null");
        if (Files.isDirectory(tokenizerJson)) tokenizerJson = tokenizerJson.resolve(FILE);
        if (!Files.isRegularFile(tokenizerJson)) throw new IOException("no tokenizer file at " + tokenizerJson);
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        Vocab vocab = Vocab.read(tokenizerJson);
        Special eos = resolve(dir, vocab, "eos_token_id", "eos_token");
        Special pad = resolve(dir, vocab, "pad_token_id", "pad_token");
        int eosId;
        if (eos.id.isPresent()) eosId = eos.id.getAsInt();
        else if (defaultEos.isPresent()) eosId = defaultEos.getAsInt();
        else throw new IOException("no eos token for " + tokenizerJson + ": looked in " + String.join(", ", eos.looked)
                + "; add eos_token_id to generation_config.json or pass a default eos id");
        int padId = pad.id.isPresent() ? pad.id.getAsInt() : defaultPad.orElse(eosId);
        checkId(tokenizerJson, "eos", eosId, vocab.size);
        checkId(tokenizerJson, "pad", padId, vocab.size);
        Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(tokenizerJson, options);
        java.util.Set<Integer> eosIds = new java.util.LinkedHashSet<>();
        eosIds.add(eosId);
        for (int id : listedIds(dir, "eos_token_id")) {
            checkId(tokenizerJson, "eos", id, vocab.size);
            eosIds.add(id);
        }
        return new HfTokenizer(tokenizerJson, hf, vocab.size, eosId, padId, java.util.Collections.unmodifiableSet(eosIds));
    }

    public Path file() {
        return file;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    /** The token strings of {@code text} (byte-level BPE shows a space as Ġ), for debugging and tests. */
    public List<String> tokens(String text) {
        return List.of(tokenizer.encode(text, false, false).getTokens());
    }

    /** Pad ids are dropped; every other id, special tokens included, is decoded as transformers does. */
    @Override
    public String decode(int[] ids) {
        long[] kept = new long[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id == padId) continue;
            if (id < 0 || id >= vocabSize)
                throw new IllegalArgumentException("token id " + id + " at position " + i + " is outside the vocabulary [0, "
                        + vocabSize + ") of " + file);
            kept[n++] = id;
        }
        return tokenizer.decode(Arrays.copyOf(kept, n), false);
    }

    /** One more than the largest id in {@code tokenizer.json}; a model's embedding table may be larger. */
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    /** The eos id and every other id that generation_config.json (or config.json) lists as eos_token_id. */
    @Override
    public java.util.Set<Integer> eosIds() {
        return eosIds;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + file + ", " + vocabSize + " ids, eos " + eosId + ", pad " + padId + "]";
    }

    private record Special(OptionalInt id, List<String> looked) {}

    private static Special resolve(Path dir, Vocab vocab, String idField, String tokenField) throws IOException {
        List<String> looked = new ArrayList<>();
        for (String name : List.of("generation_config.json", "config.json")) {
            Path f = dir.resolve(name);
            looked.add(name + " " + idField);
            JsonNode root = readIfPresent(f);
            if (root == null) continue;
            JsonNode v = root.get(idField);
            if (v != null && v.isArray()) v = v.isEmpty() ? null : v.get(0);
            if (v == null || v.isNull()) continue;
            if (!v.canConvertToExactIntegral() || !v.canConvertToInt())
                throw new IOException(f + ": " + idField + " must be an integer or a list of integers, got " + v);
            return new Special(OptionalInt.of(v.intValue()), looked);
        }
        Path f = dir.resolve("tokenizer_config.json");
        looked.add("tokenizer_config.json " + tokenField);
        JsonNode root = readIfPresent(f);
        JsonNode v = root == null ? null : root.get(tokenField);
        if (v != null && v.isObject()) v = v.get("content");
        if (v != null && v.isTextual()) {
            Integer id = vocab.ids.get(v.textValue());
            if (id == null)
                throw new IOException(f + ": " + tokenField + " \"" + v.textValue() + "\" is not a token in " + FILE);
            return new Special(OptionalInt.of(id), looked);
        }
        return new Special(OptionalInt.empty(), looked);
    }

    /** All ids of a field given as a list in generation_config.json, else config.json (first file naming it wins). */
    private static List<Integer> listedIds(Path dir, String idField) throws IOException {
        for (String name : List.of("generation_config.json", "config.json")) {
            JsonNode root = readIfPresent(dir.resolve(name));
            JsonNode v = root == null ? null : root.get(idField);
            if (v == null || v.isNull()) continue;
            List<Integer> ids = new ArrayList<>();
            if (v.isArray()) v.forEach(x -> ids.add(x.asInt()));
            else ids.add(v.asInt());
            return ids;
        }
        return List.of();
    }

    private static JsonNode readIfPresent(Path f) throws IOException {
        if (!Files.isRegularFile(f)) return null;
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new IOException(f + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static void checkId(Path file, String what, int id, int vocabSize) throws IOException {
        if (id < 0 || id >= vocabSize)
            throw new IOException(what + " id " + id + " is outside the vocabulary [0, " + vocabSize + ") of " + file);
    }

    /**
     * What we need from tokenizer.json without building a 150k-entry tree: the vocabulary size and the ids of the
     * token strings tokenizer_config.json may name (added tokens, then the model vocabulary).
     */
    private record Vocab(int size, Map<String, Integer> ids) {

        static Vocab read(Path file) throws IOException {
            int max = -1;
            Map<String, Integer> tokens = new HashMap<>();
            try (JsonParser p = JSON.createParser(file.toFile())) {
                if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException(file + " is not a JSON object");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    if (field.equals("added_tokens") && t == JsonToken.START_ARRAY) {
                        for (JsonNode added : (JsonNode) p.readValueAsTree()) {
                            int id = added.path("id").asInt(-1);
                            tokens.put(added.path("content").asText(), id);
                            max = Math.max(max, id);
                        }
                    } else if (field.equals("model") && t == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String sub = p.currentName();
                            JsonToken st = p.nextToken();
                            if (sub.equals("vocab") && st == JsonToken.START_OBJECT) {
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    String token = p.currentName();
                                    p.nextToken();
                                    int id = p.getIntValue();
                                    tokens.putIfAbsent(token, id);
                                    max = Math.max(max, id);
                                }
                            } else if (sub.equals("vocab") && st == JsonToken.START_ARRAY) { // Unigram: [[piece, score], ...]
                                int id = 0;
                                while (p.nextToken() == JsonToken.START_ARRAY) {
                                    p.nextToken();
                                    tokens.putIfAbsent(p.getText(), id);
                                    while (p.nextToken() != JsonToken.END_ARRAY) p.skipChildren();
                                    max = Math.max(max, id++);
                                }
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new IOException(file + " is not a valid tokenizer.json: " + e.getOriginalMessage(), e);
            }
            if (max < 0) throw new IOException(file + " has no model.vocab or added_tokens: not a tokenizer.json");
            return new Vocab(max + 1, tokens);
        }
    }
}
