package dev.anchorwatch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordVectorsTest {

    static WordVectors tiny() throws IOException {
        try (var in = WordVectorsTest.class.getResourceAsStream("tiny_vectors.txt")) {
            return WordVectors.read(new InputStreamReader(in, StandardCharsets.UTF_8), "tiny_vectors.txt", 0);
        }
    }

    @Test
    void readsTheFileAndNormalises() throws IOException {
        WordVectors v = tiny();
        assertEquals(17, v.size());
        assertEquals(4, v.dimension());
        assertTrue(v.lowercaseVocabulary());
        assertTrue(v.contains("good"));
        assertTrue(v.contains("GOOD"), "a lower-case vocabulary is looked up lower-cased");
        assertEquals(1.0, v.similarity("good", "good"), 1e-6);
        assertEquals(0.9963, v.similarity("good", "great"), 1e-4);
    }

    @Test
    void neighboursAreTheMostSimilarSingleWordsExceptTheWordItself() throws IOException {
        WordVectors v = tiny();
        List<Neighbour> near = v.neighbours("good", 4);
        assertEquals(List.of("great", "excellent", "superb", "fine"), near.stream().map(Neighbour::word).toList());
        for (int i = 1; i < near.size(); i++) {
            assertTrue(near.get(i - 1).similarity() >= near.get(i).similarity());
        }
        // brute force, independently: the 4 most similar other words, punctuation left out
        List<String> others = new ArrayList<>(List.of("the", "a", "great", "fine", "excellent", "superb", "bad", "awful",
                "poor", "movie", "film", "picture", "don't", "was", "is"));
        others.sort(Comparator.comparingDouble((String w) -> -v.similarity("good", w)));
        assertEquals(others.subList(0, 4), near.stream().map(Neighbour::word).toList());

        // "," is very close to "was" but is not a word, so it is never a replacement
        assertEquals(List.of("is", "a", "the", "don't"), v.neighbours("was", 4).stream().map(Neighbour::word).toList());
        assertEquals(List.of(), v.neighbours("unheard-of", 5));
        assertEquals(16 - 1, v.neighbours("good", 100).size(), "all other words but ','");
        assertTrue(v.neighbours("good", 3) != null && v.neighbours("good", 3) == v.neighbours("good", 3), "cached");
    }

    @Test
    void casedVocabularyKeepsTheCaseStyle() throws IOException {
        String file = """
                Paris 1 0.1 0
                London 0.95 0.15 0
                paris 0.99 0.1 0.01
                london 0.9 0.2 0
                city 0.8 0.3 0
                """;
        WordVectors v = WordVectors.read(new StringReader(file), "cased", 0);
        assertFalse(v.lowercaseVocabulary());
        assertEquals(List.of("London"), v.neighbours("Paris", 5).stream().map(Neighbour::word).toList(),
                "capitalised neighbours only, and never the same word in another case");
        assertEquals(List.of("london", "city"), v.neighbours("paris", 5).stream().map(Neighbour::word).toList());
    }

    @Test
    void word2vecHeaderGzipAndWordLimit(@TempDir Path dir) throws IOException {
        Path gz = dir.resolve("v.txt.gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("3 2\nx 1 0\ny 0 1\nz 1 1\n".getBytes(StandardCharsets.UTF_8));
        }
        WordVectors all = WordVectors.load(gz, 0);
        assertEquals(3, all.size());
        assertEquals(2, all.dimension());
        WordVectors two = WordVectors.load(gz, 2);
        assertEquals(2, two.size());
        assertFalse(two.contains("z"));
    }

    @Test
    void malformedFilesAreRefusedWithTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WordVectors.read(new StringReader("a 1 2 3\nb 1 2\n"), "bad.txt", 0));
        assertEquals("bad.txt line 2: expected a word and 3 numbers (as on the first line), found 2 fields after the word",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WordVectors.read(new StringReader("a 1 x 3\n"), "bad.txt", 0));
        assertEquals("bad.txt line 1: 'x' is not a number", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WordVectors.read(new StringReader("a 1 NaN\n"), "bad.txt", 0));
        assertEquals("bad.txt line 1: value NaN is not finite", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WordVectors.read(new StringReader("\n\n"), "empty.txt", 0));
        assertEquals("empty.txt: no word vectors found", e.getMessage());
    }
}
