package dev.anchorwatch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.PredicateMatrix;

class TextSamplerTest {
    static final String TEXT = "The acting was superb, but the plot don't hold up: a bad movie.";

    /** The tokens of a sample: samples are tokens joined by single spaces, and no token holds a space. */
    private static String[] tokensOf(String sample) {
        return sample.split(" ", -1);
    }

    @Test
    void predicatesAreWordsOnlyByDefaultAndStopWordsAreNever() {
        TextSampler s = TextSampler.unknown(TEXT, TextOptions.DEFAULTS.withStopWords(Set.of("THE", "a")));
        List<Token> tokens = s.tokens();
        assertEquals(16, tokens.size());
        // words minus The, the, a
        assertEquals(List.of("acting", "was", "superb", "but", "plot", "don't", "hold", "up", "bad", "movie"),
                java.util.stream.IntStream.range(0, s.predicateCount()).mapToObj(s::word).toList());
        for (int t = 0; t < tokens.size(); t++) {
            int p = s.predicateOf(t);
            if (p >= 0) {
                assertEquals(t, s.tokenOf(p));
            } else {
                assertTrue(tokens.get(t).punctuation() || Set.of("the", "a").contains(tokens.get(t).text().toLowerCase()));
            }
        }
        TextSampler withPunctuation = TextSampler.unknown(TEXT, TextOptions.DEFAULTS.withPerturbPunctuation(true));
        assertEquals(16, withPunctuation.predicateCount());
    }

    @Test
    void anchorTokensAreAlwaysKeptAndThePredicateMatrixIsExact() {
        TextSampler s = TextSampler.unknown(TEXT, TextOptions.DEFAULTS);
        String[] original = s.tokens().stream().map(Token::text).toArray(String[]::new);
        int[] anchor = {3, 11};
        assertEquals(List.of("superb", "bad"), List.of(s.word(3), s.word(11)));
        Draw<String> d = s.draw(anchor, 500, new SplittableRandom(1));
        assertEquals(500, d.size());
        PredicateMatrix m = d.satisfied();
        assertEquals(s.predicateCount(), m.predicates());
        for (int i = 0; i < d.size(); i++) {
            String[] tokens = tokensOf(d.samples().get(i));
            assertEquals(original.length, tokens.length, d.samples().get(i));
            for (int t = 0; t < original.length; t++) {
                int p = s.predicateOf(t);
                if (p < 0) {
                    assertEquals(original[t], tokens[t], "tokens that are not predicates are never perturbed");
                } else {
                    boolean kept = original[t].equals(tokens[t]);
                    assertEquals(kept, m.get(i, p), "row " + i + " predicate " + p);
                    if (!kept) {
                        assertEquals("UNK", tokens[t]);
                    }
                }
            }
            for (int p : anchor) {
                assertTrue(m.get(i, p));
                assertEquals(original[s.tokenOf(p)], tokens[s.tokenOf(p)]);
            }
        }
    }

    @Test
    void replacedShareIsSampleProbaStatistically() {
        for (double proba : new double[] {0.5, 0.2}) {
            TextSampler s = TextSampler.unknown(TEXT, TextOptions.DEFAULTS.withSampleProba(proba));
            int n = 20_000;
            Draw<String> d = s.draw(new int[] {0}, n, new SplittableRandom(42));
            // 4.5 standard deviations of a binomial share: a false failure has odds of about 1 in 150,000
            double tolerance = 4.5 * Math.sqrt(proba * (1 - proba) / n);
            for (int p = 1; p < s.predicateCount(); p++) {
                int replaced = 0;
                for (int i = 0; i < n; i++) {
                    if (!d.satisfied().get(i, p)) {
                        replaced++;
                    }
                }
                assertEquals(proba, (double) replaced / n, tolerance, "predicate " + p + " at sample_proba " + proba);
            }
            // and independently of each other: both of two tokens replaced at proba^2
            int both = 0;
            for (int i = 0; i < n; i++) {
                if (!d.satisfied().get(i, 1) && !d.satisfied().get(i, 2)) {
                    both++;
                }
            }
            assertEquals(proba * proba, (double) both / n, 4.5 * Math.sqrt(proba * proba * (1 - proba * proba) / n));
        }
    }

    @Test
    void coverageSetKeepsEachPredicateWithProbabilityOneHalf() {
        TextSampler s = TextSampler.unknown(TEXT, TextOptions.DEFAULTS.withSampleProba(0.1));
        int n = 10_000;
        PredicateMatrix c = s.coverageSet(n, new SplittableRandom(3));
        assertEquals(n, c.rows());
        for (int p = 0; p < s.predicateCount(); p++) {
            int kept = 0;
            for (int i = 0; i < n; i++) {
                kept += c.get(i, p) ? 1 : 0;
            }
            assertEquals(0.5, (double) kept / n, 4.5 * Math.sqrt(0.25 / n));
        }
    }

    @Test
    void similarityReplacementsComeFromTheNeighbourList() throws IOException {
        WordVectors v = WordVectorsTest.tiny();
        TextOptions o = TextOptions.DEFAULTS.withStrategy(TextOptions.Strategy.SIMILARITY).withTopN(3);
        String text = "A GOOD movie, and Bad acting";
        TextSampler s = new TextSampler(text, o, v);
        String[] original = s.tokens().stream().map(Token::text).toArray(String[]::new);
        Map<Integer, Set<String>> allowed = new HashMap<>();
        for (int p = 0; p < s.predicateCount(); p++) {
            String word = s.word(p);
            List<Neighbour> near = v.neighbours(word, 3);
            Set<String> expected = near.isEmpty() ? Set.of("UNK") : Set.copyOf(near.stream()
                    .map(n -> TextSampler.restyle(n.word(), word)).toList());
            assertEquals(expected, Set.copyOf(s.replacements(p)));
            allowed.put(s.tokenOf(p), expected);
        }
        assertEquals(Set.of("GREAT", "EXCELLENT", "SUPERB"), allowed.get(1), "UPPER case is kept");
        assertEquals(Set.of("Awful", "Poor", "Don't"), allowed.get(5), "Capitalised is kept");
        assertEquals(Set.of("UNK"), allowed.get(4), "'and' has no vector: the unknown token");
        Draw<String> d = s.draw(new int[0], 2000, new SplittableRandom(5));
        Map<String, Integer> seenForGood = new HashMap<>();
        for (int i = 0; i < d.size(); i++) {
            String[] tokens = tokensOf(d.samples().get(i));
            assertEquals(original.length, tokens.length);
            for (int t = 0; t < tokens.length; t++) {
                int p = s.predicateOf(t);
                if (p >= 0 && !tokens[t].equals(original[t])) {
                    assertTrue(allowed.get(t).contains(tokens[t]), tokens[t] + " for " + original[t]);
                    assertTrue(!d.satisfied().get(i, p));
                }
                if (t == 1 && !tokens[t].equals(original[t])) {
                    seenForGood.merge(tokens[t], 1, Integer::sum);
                }
            }
        }
        // uniform over the 3 neighbours: each about a third of ~1000 replacements
        int total = seenForGood.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(1000, total, 4.5 * Math.sqrt(2000 * 0.25));
        for (int count : seenForGood.values()) {
            assertEquals(1.0 / 3, (double) count / total, 0.06);
        }
    }

    @Test
    void softmaxWeightsFavourTheNearestWordsAsTheTemperatureFalls() throws IOException {
        WordVectors v = WordVectorsTest.tiny();
        TextOptions o = TextOptions.DEFAULTS.withStrategy(TextOptions.Strategy.SIMILARITY).withTopN(10)
                .withUseProba(true);
        // "movie": film 0.9986, picture 0.9536, then words near 0.19 or below
        for (double temperature : new double[] {1.0, 0.05}) {
            TextSampler s = new TextSampler("movie", o.withTemperature(temperature), v);
            List<Neighbour> near = v.neighbours("movie", 10);
            double z = near.stream().mapToDouble(n -> Math.exp(n.similarity() / temperature)).sum();
            double expectedFilm = Math.exp(near.get(0).similarity() / temperature) / z;
            Draw<String> d = s.draw(new int[0], 20_000, new SplittableRandom(9));
            long replaced = d.samples().stream().filter(x -> !x.equals("movie")).count();
            long film = d.samples().stream().filter(x -> x.equals("film")).count();
            double share = (double) film / replaced;
            assertEquals(expectedFilm, share, 4.5 * Math.sqrt(expectedFilm * (1 - expectedFilm) / replaced),
                    "temperature " + temperature);
        }
    }

    @Test
    void limitsAndArguments() {
        TextOptions o = TextOptions.DEFAULTS.withMaxTokens(5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextSampler.unknown("one two three four five six", o));
        assertEquals("text has 6 tokens; at most 5 are accepted (max_tokens)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TextSampler.unknown("x".repeat(21), TextOptions.DEFAULTS.withMaxChars(20)));
        assertEquals("text has 21 characters; at most 20 are accepted (max_chars)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TextSampler("a", TextOptions.DEFAULTS.withStrategy(TextOptions.Strategy.SIMILARITY), null));
        assertEquals("the similarity strategy needs word vectors", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TextOptions.DEFAULTS.withSampleProba(0));
        assertEquals("sample_proba must be in (0, 1], got 0.0", e.getMessage());
        TextSampler s = TextSampler.unknown("just words", TextOptions.DEFAULTS);
        assertThrows(IndexOutOfBoundsException.class, () -> s.draw(new int[] {2}, 1, new SplittableRandom(1)));
        // a text that has no words still samples (the instance itself) and covers everything
        TextSampler none = TextSampler.unknown("?!", TextOptions.DEFAULTS);
        assertEquals(0, none.predicateCount());
        assertEquals(List.of("? !", "? !"), none.draw(new int[0], 2, new SplittableRandom(1)).samples());
        assertNotEquals(null, none.coverageSet(3, new SplittableRandom(1)));
    }

    @Test
    void restyleKeepsTheCaseStyle() {
        assertEquals("great", TextSampler.restyle("great", "good"));
        assertEquals("Great", TextSampler.restyle("great", "Good"));
        assertEquals("GREAT", TextSampler.restyle("great", "GOOD"));
        assertEquals("Great", TextSampler.restyle("great", "I"));
        assertEquals("London", TextSampler.restyle("London", "paris"), "a cased vocabulary's choice stands");
    }
}
