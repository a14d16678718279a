package io.autodidact.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharTokenizerTest {

    private final CharTokenizer digits = new CharTokenizer("0123456789+= \n");

    @Test
    void numbersAlphabetCharactersAfterPadAndEos() {
        assertEquals(16, digits.vocabSize());
        assertEquals(0, digits.padId());
        assertEquals(1, digits.eosId());
        assertArrayEquals(new int[] {3, 4, 12, 11, 13, 2, 15}, digits.encode("12+9=0\n"));
        assertArrayEquals(new int[0], digits.encode(""));
    }

    @Test
    void decodeSkipsPadAndRendersEosAsNothing() {
        assertEquals("12+9", digits.decode(new int[] {0, 3, 4, 12, 11, 1, 0, 0}));
        assertEquals("7", digits.decode(new int[] {9, 1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> digits.decode(new int[] {3, 16}));
        assertTrue(e.getMessage().contains("token id 16 at position 1 is outside the vocabulary [0, 16)"), e.getMessage());
    }

    @Test
    void rejectsUnknownCharacterNamingItItsPositionAndTheAlphabet() {
        CharTokenizer noNewline = new CharTokenizer("abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> noNewline.encode("ab\nc"));
        assertEquals("character '\\n' at position 2 is not in the tokenizer's alphabet \"abc\"; add it to the alphabet "
                + "or clean the text", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> digits.encode("1 caf\u00e9"));
        assertTrue(e.getMessage().startsWith("character 'c' at position 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CharTokenizer("caf").encode("caf\u00e9"));
        assertTrue(e.getMessage().startsWith("character U+00E9 at position 3"), e.getMessage());
        assertTrue(e.getMessage().contains("alphabet \"caf\""), e.getMessage());
        assertTrue(digits.toString().contains("\"0123456789+= \\n\""), digits.toString());
    }

    @Test
    void handlesCharactersOutsideTheBasicPlane() {
        CharTokenizer emoji = new CharTokenizer("a\uD83E\uDD16b");
        assertEquals(5, emoji.vocabSize());
        assertArrayEquals(new int[] {3, 2, 4}, emoji.encode("\uD83E\uDD16ab"));
        assertEquals("\uD83E\uDD16ab", emoji.decode(new int[] {3, 2, 4}));
    }

    @Test
    void rejectsEmptyOrRepeatingAlphabets() {
        assertThrows(IllegalArgumentException.class, () -> new CharTokenizer(""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CharTokenizer("ab a"));
        assertEquals("alphabet repeats 'a' (characters 0 and 3); list each character once", e.getMessage());
    }

    @Test
    void savesAndLoadsFromADirectory(@TempDir Path dir) throws IOException {
        digits.save(dir);
        assertEquals("{\"type\":\"char\",\"alphabet\":\"0123456789+= \\n\"}", Files.readString(dir.resolve(CharTokenizer.FILE)));
        CharTokenizer back = CharTokenizer.load(dir);
        assertEquals(digits.alphabet(), back.alphabet());
        assertArrayEquals(digits.encode("42 + 1\n"), back.encode("42 + 1\n"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
        Files.writeString(dir.resolve(CharTokenizer.FILE), "{\"type\":\"bpe\",\"alphabet\":\"ab\"}");
        IOException e = assertThrows(IOException.class, () -> CharTokenizer.load(dir));
        assertTrue(e.getMessage().contains("type must be \"char\""), e.getMessage());
    }
}
