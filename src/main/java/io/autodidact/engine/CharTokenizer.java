package io.autodidact.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A character-level tokenizer for small models trained from scratch (arithmetic, toy tasks). Ids: 0 is
 * {@code <pad>}, 1 is {@code <eos>}, then one id per alphabet character in order, so
 * {@code vocabSize() == alphabet code points + 2}. Saved as {@value #FILE} ({@code {"type":"char","alphabet":...}}).
 */
public final class CharTokenizer implements Tokenizer {

    public static final String FILE = "autodidact-tokenizer.json";
    public static final int PAD = 0;
    public static final int EOS = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String alphabet;
    private final int[] codePoints;
    private final Map<Integer, Integer> ids = new HashMap<>();

    public CharTokenizer(String alphabet) {
        Objects.requireNonNull(alphabet, "alphabet must not be null");
        if (alphabet.isEmpty()) throw new IllegalArgumentException("alphabet must not be empty: list every character the task uses");
        this.alphabet = alphabet;
        this.codePoints = alphabet.codePoints().toArray();
        for (int i = 0; i < codePoints.length; i++) {
            Integer previous = ids.put(codePoints[i], i + 2);
            if (previous != null)
                throw new IllegalArgumentException("alphabet repeats " + escape(codePoints[i]) + " (characters " + (previous - 2)
                        + " and " + i + "); list each character once");
        }
    }

    public String alphabet() {
        return alphabet;
    }

    /** One id per character; a character outside the alphabet is an IllegalArgumentException naming it and where. */
    @Override
    public int[] encode(String text) {
        int[] out = new int[text.codePointCount(0, text.length())];
        for (int i = 0, pos = 0; pos < text.length(); i++) {
            int cp = text.codePointAt(pos);
            Integer id = ids.get(cp);
            if (id == null)
                throw new IllegalArgumentException("character " + escape(cp) + " at position " + pos
                        + " is not in the tokenizer's alphabet \"" + escape(alphabet) + "\"; add it to the alphabet or clean the text");
            out[i] = id;
            pos += Character.charCount(cp);
        }
        return out;
    }

    /** Pad ids are skipped and eos decodes to nothing; any other id must be in the vocabulary. */
    @Override
    public String decode(int[] tokenIds) {
        StringBuilder sb = new StringBuilder(tokenIds.length);
        for (int i = 0; i < tokenIds.length; i++) {
            int id = tokenIds[i];
            if (id == PAD || id == EOS) continue;
            if (id < 0 || id >= vocabSize())
                throw new IllegalArgumentException("token id " + id + " at position " + i + " is outside the vocabulary [0, "
                        + vocabSize() + ")");
            sb.appendCodePoint(codePoints[id - 2]);
        }
        return sb.toString();
    }

    @Override
    public int vocabSize() {
        return codePoints.length + 2;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public int padId() {
        return PAD;
    }

    /** Writes {@code dir/}{@value #FILE} atomically. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] json = JSON.writeValueAsBytes(JSON.createObjectNode().put("type", "char").put("alphabet", alphabet));
        Path tmp = Files.createTempFile(dir, "." + FILE + ".", ".tmp");
        try {
            Files.write(tmp, json);
            try {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads {@code dir/}{@value #FILE} as written by {@link #save}. */
    public static CharTokenizer load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        JsonNode root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        if (root == null || !root.isObject()) throw new IOException(file + " must be a JSON object {\"type\":\"char\",\"alphabet\":...}");
        JsonNode type = root.get("type"), alphabet = root.get("alphabet");
        if (type == null || !"char".equals(type.asText()))
            throw new IOException(file + ": type must be \"char\", got " + type);
        if (alphabet == null || !alphabet.isTextual()) throw new IOException(file + ": alphabet must be a string");
        try {
            return new CharTokenizer(alphabet.textValue());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "CharTokenizer[" + vocabSize() + " ids, alphabet \"" + escape(alphabet) + "\"]";
    }

    /** A character as a reader can see it: 'a', '\n', or U+00E9. */
    static String escape(int cp) {
        return switch (cp) {
            case '\n' -> "'\\n'";
            case '\t' -> "'\\t'";
            case '\r' -> "'\\r'";
            case '\'' -> "'\\''";
            case '\\' -> "'\\\\'";
            default -> cp >= 0x20 && cp < 0x7F ? "'" + (char) cp + "'" : String.format("U+%04X", cp);
        };
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F && cp != '\\' && cp != '"') sb.appendCodePoint(cp);
            else if (cp == '\n') sb.append("\\n");
            else if (cp == '\t') sb.append("\\t");
            else if (cp == '\r') sb.append("\\r");
            else if (cp == '\\' || cp == '"') sb.append('\\').appendCodePoint(cp);
            else sb.append(String.format("\\u{%04X}", cp));
        });
        return sb.toString();
    }
}
