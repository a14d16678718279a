package io.autodidact.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersTest {

    @Test
    void loadsTheHuggingFaceTokenizerWhenTokenizerJsonIsPresent() throws Exception {
        try (Tokenizer tok = Tokenizers.load(HfFixtures.qwen3TokenizerDir())) {
            assertInstanceOf(HfTokenizer.class, tok);
            assertArrayEquals(new int[] {9707, 11, 1879, 0}, tok.encode("Hello, world!"));
        }
    }

    @Test
    void loadsTheCharacterTokenizerWhenItsFileIsPresent(@TempDir Path dir) throws IOException {
        new CharTokenizer("ab").save(dir);
        try (Tokenizer tok = Tokenizers.load(dir)) {
            assertInstanceOf(CharTokenizer.class, tok);
            assertArrayEquals(new int[] {3, 2}, tok.encode("ba"));
        }
    }

    @Test
    void namesBothFilesWhenNeitherIsPresent(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        IOException e = assertThrows(IOException.class, () -> Tokenizers.load(dir));
        assertEquals("no tokenizer in " + dir + ": looked for tokenizer.json (Hugging Face) and autodidact-tokenizer.json "
                + "(character-level)", e.getMessage());
    }
}
