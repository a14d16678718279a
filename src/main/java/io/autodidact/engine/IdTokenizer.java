package io.autodidact.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The stand-in for a model directory that carries weights but no tokenizer (e.g. a checkpoint saved without one):
 * token ids stand for themselves, so the model can still be run on ids ({@code --prompt-ids}) and its output
 * printed as ids. Text cannot be encoded; eos ids come from {@code generation_config.json} or {@code config.json}.
 */
public final class IdTokenizer implements Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final int vocabSize;
    private final Set<Integer> eosIds;
    private final int padId;

    public IdTokenizer(Path dir, int vocabSize, Set<Integer> eosIds, int padId) {
        if (vocabSize < 1) throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
        for (int id : eosIds)
            if (id < 0 || id >= vocabSize) throw new IllegalArgumentException("eos id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        if (padId < 0 || padId >= vocabSize) throw new IllegalArgumentException("pad id " + padId + " is outside the vocabulary [0, " + vocabSize + ")");
        this.dir = dir;
        this.vocabSize = vocabSize;
        this.eosIds = Collections.unmodifiableSet(new LinkedHashSet<>(eosIds));
        this.padId = padId;
    }

    /** Reads eos (a number or a list) and pad ids from {@code generation_config.json}, then {@code config.json}; pad defaults to eos, else 0. */
    public static IdTokenizer of(Path dir, int vocabSize) throws IOException {
        Set<Integer> eos = new LinkedHashSet<>(ids(dir, "eos_token_id"));
        List<Integer> pad = ids(dir, "pad_token_id");
        int padId = !pad.isEmpty() ? pad.getFirst() : eos.isEmpty() ? 0 : eos.iterator().next();
        return new IdTokenizer(dir, vocabSize, eos, padId);
    }

    private static List<Integer> ids(Path dir, String field) throws IOException {
        for (String name : List.of("generation_config.json", "config.json")) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) continue;
            JsonNode v;
            try {
                v = JSON.readTree(f.toFile()).get(field);
            } catch (IOException e) {
                throw new IOException(f + " is not valid JSON: " + e.getMessage(), e);
            }
            if (v == null || v.isNull()) continue;
            if (v.isArray()) {
                Integer[] out = new Integer[v.size()];
                for (int i = 0; i < out.length; i++) out[i] = v.get(i).asInt();
                return List.of(out);
            }
            if (!v.canConvertToInt()) throw new IOException(f + ": " + field + " must be an integer or a list of integers, got " + v);
            return List.of(v.asInt());
        }
        return List.of();
    }

    @Override
    public int[] encode(String text) {
        throw new UnsupportedOperationException(dir + " has no tokenizer (tokenizer.json or " + CharTokenizer.FILE
                + "), so text cannot be encoded; give token ids instead (--prompt-ids) or add the tokenizer files");
    }

    /** The ids, space-separated. */
    @Override
    public String decode(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int eosId() {
        if (eosIds.isEmpty())
            throw new IllegalStateException(dir + " names no eos_token_id in generation_config.json or config.json");
        return eosIds.iterator().next();
    }

    @Override
    public Set<Integer> eosIds() {
        return eosIds;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public String toString() {
        return "IdTokenizer[" + dir + ", " + vocabSize + " ids, eos " + eosIds + "]";
    }
}
