package dev.anchorwatch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.Oracle;

/** Leaving stop words out of anchor candidates, kept as they are or still perturbed. */
class StopWordsTest {
    static final AnchorParams TEXT = AnchorParams.DEFAULTS.withStopOnFirst(true);
    static final String SENTENCE = "the movie was good";

    /** Positive iff the text still has "the" or "good": "the" alone is an anchor of precision 1. */
    static int model(String text) {
        List<String> words = List.of(text.split(" "));
        return words.contains("the") || words.contains("good") ? 1 : 0;
    }

    static Oracle<String> oracle() {
        return samples -> {
            boolean[] same = new boolean[samples.size()];
            for (int i = 0; i < same.length; i++) {
                same[i] = model(samples.get(i)) == 1;
            }
            return same;
        };
    }

    @Test
    void theBuiltInListHoldsFunctionWordsButNotNegations() {
        assertTrue(StopWords.ENGLISH.containsAll(List.of("the", "a", "an", "was", "is", "of", "and")));
        for (String meaningful : List.of("not", "no", "nor", "never", "good", "bad", "very", "too")) {
            assertTrue(!StopWords.ENGLISH.contains(meaningful), meaningful);
        }
        assertEquals(StopWords.ENGLISH, StopWords.named(" English "));
        assertNull(StopWords.named("french"));
    }

    @Test
    void withoutTheOptionAnAnchorOfStopWordsAloneIsFound() throws Exception {
        // every seed: "the" or "good" alone holds the label; over seeds the search picks "the" at least once
        int stopOnly = 0;
        for (long seed = 1; seed <= 20; seed++) {
            TextExplanation e = new AnchorText(TextOptions.DEFAULTS).explain(SENTENCE, 1, oracle(), TEXT,
                    new SplittableRandom(seed));
            assertTrue(e.result().success());
            stopOnly += e.words().equals(List.of("the")) ? 1 : 0;
        }
        assertTrue(stopOnly > 0, "an anchor made only of 'the' is valid, and found");
    }

    @Test
    void englishStopWordsAreNeverCandidatesAndStayAsTheyAreByDefault() throws Exception {
        TextOptions options = TextOptions.DEFAULTS.withStopWords(StopWords.ENGLISH);
        TextSampler sampler = new AnchorText(options).sampler(SENTENCE);
        assertEquals(2, sampler.predicateCount(), "movie and good");
        assertEquals("movie", sampler.word(0));
        assertEquals("good", sampler.word(1));
        Draw<String> draw = sampler.draw(new int[0], 1000, new SplittableRandom(3));
        for (String s : draw.samples()) {
            assertTrue(s.startsWith("the ") && s.contains(" was "), s);
        }
        // kept as they are, "the" is in every sample: the model says 1 whatever happens, the empty anchor holds —
        // the anchor silently depends on the stop word it does not show
        TextExplanation e = new AnchorText(options).explain(SENTENCE, 1, oracle(), TEXT, new SplittableRandom(5));
        assertEquals(List.of(), e.words());
    }

    @Test
    void perturbedStopWordsAreReplacedButNeverCandidates() throws Exception {
        TextOptions options = TextOptions.DEFAULTS.withStopWords(StopWords.ENGLISH).withPerturbStopWords(true);
        TextSampler sampler = new AnchorText(options).sampler(SENTENCE);
        assertEquals(2, sampler.predicateCount());
        Draw<String> draw = sampler.draw(new int[] {1}, 4000, new SplittableRandom(3));
        int theReplaced = 0;
        for (String s : draw.samples()) {
            assertTrue(s.endsWith(" good"), "the anchor's word stays: " + s);
            theReplaced += s.startsWith("UNK ") ? 1 : 0;
        }
        // replaced with probability sample_proba = 0.5: 2000 +- 4.5 standard deviations (31.6)
        assertEquals(2000, theReplaced, 4.5 * Math.sqrt(4000 * 0.25));
        for (long seed = 1; seed <= 10; seed++) {
            TextExplanation e = new AnchorText(options).explain(SENTENCE, 1, oracle(), TEXT, new SplittableRandom(seed));
            assertEquals(List.of("good"), e.words(), "the anchor that says something, seed " + seed);
            assertTrue(e.result().success());
        }
    }
}
