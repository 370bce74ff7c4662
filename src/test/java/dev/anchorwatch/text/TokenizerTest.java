package dev.anchorwatch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class TokenizerTest {

    private static List<String> texts(List<Token> tokens) {
        return tokens.stream().map(Token::text).toList();
    }

    /** Every token is exactly the substring its offsets name. */
    private static void offsetsMatch(String text, List<Token> tokens) {
        int previousEnd = 0;
        for (Token t : tokens) {
            assertEquals(t.text(), text.substring(t.start(), t.end()), t.toString());
            assertTrue(t.start() >= previousEnd, "tokens are in order and do not overlap");
            assertTrue(text.substring(previousEnd, t.start()).isBlank(), "only white space between tokens");
            previousEnd = t.end();
        }
        assertTrue(text.substring(previousEnd).isBlank());
    }

    @Test
    void wordsKeepInnerApostrophesAndPunctuationIsSeparate() {
        String text = "I don't like it, but the cast's work is great!";
        List<Token> tokens = Tokenizer.tokenize(text);
        assertEquals(List.of("I", "don't", "like", "it", ",", "but", "the", "cast's", "work", "is", "great", "!"),
                texts(tokens));
        offsetsMatch(text, tokens);
        assertEquals(2, tokens.get(1).start());
        assertEquals(7, tokens.get(1).end());
        assertTrue(tokens.get(1).word());
        assertTrue(tokens.get(4).punctuation());
        assertEquals(15, tokens.get(4).start());
    }

    @Test
    void offsetsMatchTheExampleOfTheReference() {
        // the reference explanation puts "vapid" at offset 57 of this text
        String text = "a visually flashy but narratively opaque and emotionally vapid exercise .";
        List<Token> tokens = Tokenizer.tokenize(text);
        assertEquals(11, tokens.size());
        assertEquals("vapid", tokens.get(8).text());
        assertEquals(57, tokens.get(8).start());
        offsetsMatch(text, tokens);
    }

    @Test
    void curlyApostrophesRunsOfPunctuationAndEdges() {
        String text = "  rock\u2019n\u2019roll... dogs' 'quoted' well-made?! \u2014 ok";
        List<Token> tokens = Tokenizer.tokenize(text);
        assertEquals(List.of("rock\u2019n\u2019roll", "...", "dogs", "'", "'", "quoted", "'", "well", "-", "made",
                "?", "!", "\u2014", "ok"), texts(tokens));
        offsetsMatch(text, tokens);
        assertEquals(2, tokens.get(0).start());
    }

    @Test
    void unicodeLettersDigitsMarksAndSurrogates() {
        String text = "Caf\u00e9 na\u0131\u0308ve 2002 \uD83D\uDE00\uD83D\uDE00 snake_case \u4e2d\u6587\u3002x";
        List<Token> tokens = Tokenizer.tokenize(text);
        assertEquals(List.of("Caf\u00e9", "na\u0131\u0308ve", "2002", "\uD83D\uDE00\uD83D\uDE00", "snake_case",
                "\u4e2d\u6587", "\u3002", "x"), texts(tokens));
        assertFalse(tokens.get(3).word(), "an emoji is a symbol");
        offsetsMatch(text, tokens);
    }

    @Test
    void emptyAndBlankTextsHaveNoTokens() {
        assertEquals(List.of(), Tokenizer.tokenize(""));
        assertEquals(List.of(), Tokenizer.tokenize(" \t\n\u00a0"));
    }

    @Test
    void singleWordCheck() {
        assertTrue(Tokenizer.isSingleWord("don't"));
        assertTrue(Tokenizer.isSingleWord("film"));
        assertFalse(Tokenizer.isSingleWord(","));
        assertFalse(Tokenizer.isSingleWord("new york"));
        assertFalse(Tokenizer.isSingleWord("'s"));
        assertFalse(Tokenizer.isSingleWord(""));
    }
}
