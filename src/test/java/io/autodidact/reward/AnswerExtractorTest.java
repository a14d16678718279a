package io.autodidact.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswerExtractorTest {

    @Test
    void lastLineSkipsTrailingBlankLinesAndHandlesCrLf() {
        assertEquals(Optional.of("42"), AnswerExtractor.lastLine().extract("work\r\n 42 \r\n\r\n  \n"));
        assertEquals(Optional.empty(), AnswerExtractor.lastLine().extract(" \n\n"));
    }

    @Test
    void afterMarkerStopsAtTheEndOfTheLine() {
        AnswerExtractor marker = AnswerExtractor.afterMarker("The answer is");
        assertEquals(Optional.of("7."), marker.extract("The answer is 3?\nNo. The answer is 7.\nBecause..."));
        assertEquals(Optional.empty(), marker.extract("The answer is   \n"));
        assertThrows(IllegalArgumentException.class, () -> AnswerExtractor.afterMarker(""));
    }

    @Test
    void regexReturnsTheTrimmedGroupOfTheLastMatch() {
        AnswerExtractor regex = AnswerExtractor.regex("<a>(.*?)</a>");
        assertEquals(Optional.of("second"), regex.extract("<a>first</a> <a> second </a>"));
        assertEquals(Optional.empty(), regex.extract("<a> </a>"));
    }

    @Test
    void numberParsingReadsSeparatorsFractionsAndExponents() {
        assertEquals(1234.5, NumericVerifier.parseWhole("1,234.5").getAsDouble());
        assertEquals(-0.75, NumericVerifier.parseWhole("-3/4").getAsDouble());
        assertEquals(2e-3, NumericVerifier.parseWhole("2e-3.").getAsDouble(), "a sentence's final period");
        assertTrue(NumericVerifier.parseWhole("12 apples").isEmpty());
        assertEquals(3.0, NumericVerifier.lastNumber("1, 2, 3").getAsDouble());
        assertTrue(NumericVerifier.lastNumber("1/0").isEmpty(), "division by zero is no number");
    }
}
