package dev.anchorwatch.text;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How texts are perturbed.
 *
 * @param strategy           {@link Strategy#UNKNOWN} replaces words by {@code unknownToken},
 *                           {@link Strategy#SIMILARITY} by similar words from word vectors
 * @param sampleProba        probability that a word outside the anchor is replaced in a sample (default 0.5)
 * @param topN               similarity: how many nearest words a replacement is drawn from (default 100)
 * @param temperature        similarity with {@code useProba}: softmax temperature (default 1.0)
 * @param useProba           similarity: draw neighbours with softmax(similarity / temperature) weights instead of
 *                           uniformly (default false)
 * @param perturbPunctuation whether punctuation and symbol tokens are perturbed (and so can be in an anchor);
 *                           default false: they stay as they are and are never predicates
 * @param stopWords          words (compared lower-cased) that are never predicates, so never in an anchor
 *                           (see {@link StopWords#ENGLISH} for a built-in list)
 * @param perturbStopWords   whether stop words are still perturbed in samples like any other word (so an anchor's
 *                           precision does not silently depend on them); default false: they stay as they are
 * @param maxTokens          longest text accepted, in tokens (default 512)
 * @param maxChars           longest text accepted, in characters (default 20,000): a sample is as long as the text
 * @param unknownToken       the replacement of the unknown strategy (default "UNK"); also used by the similarity
 *                           strategy for a word without vectors
 */
public record TextOptions(Strategy strategy, double sampleProba, int topN, double temperature, boolean useProba,
                          boolean perturbPunctuation, Set<String> stopWords, boolean perturbStopWords, int maxTokens, int maxChars,
                          String unknownToken) {

    public enum Strategy {
        UNKNOWN, SIMILARITY;

        /** The spelling used in specs and in {@code meta.params}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final TextOptions DEFAULTS =
            new TextOptions(Strategy.UNKNOWN, 0.5, 100, 1.0, false, false, Set.of(), false, 512, 20_000, "UNK");

    public TextOptions {
        require(strategy != null, "sampling_strategy is required");
        require(sampleProba > 0 && sampleProba <= 1, "sample_proba must be in (0, 1], got " + sampleProba);
        require(topN >= 1, "top_n must be >= 1, got " + topN);
        require(temperature > 0 && Double.isFinite(temperature), "temperature must be > 0, got " + temperature);
        require(maxTokens >= 1, "max_tokens must be >= 1, got " + maxTokens);
        require(maxChars >= 1, "max_chars must be >= 1, got " + maxChars);
        require(unknownToken != null && !unknownToken.isBlank(), "unknown_token must not be blank");
        stopWords = stopWords == null ? Set.of()
                : stopWords.stream().map(w -> w.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public boolean isStopWord(String word) {
        return !stopWords.isEmpty() && stopWords.contains(word.toLowerCase(Locale.ROOT));
    }

    public TextOptions withStrategy(Strategy v) {
        return new TextOptions(v, sampleProba, topN, temperature, useProba,
                perturbPunctuation, stopWords, perturbStopWords, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withSampleProba(double v) {
        return new TextOptions(strategy, v, topN, temperature, useProba,
                perturbPunctuation, stopWords, perturbStopWords, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withTopN(int v) {
        return new TextOptions(strategy, sampleProba, v, temperature, useProba,
                perturbPunctuation, stopWords, perturbStopWords, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withTemperature(double v) {
        return new TextOptions(strategy, sampleProba, topN, v, useProba,
                perturbPunctuation, stopWords, perturbStopWords, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withUseProba(boolean v) {
        return new TextOptions(strategy, sampleProba, topN, temperature, v,
                perturbPunctuation, stopWords, perturbStopWords, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withPerturbPunctuation(boolean v) {
        return new TextOptions(strategy, sampleProba, topN, temperature, useProba,
                v, stopWords, perturbStopWords, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withStopWords(Set<String> v) {
        return new TextOptions(strategy, sampleProba, topN, temperature, useProba,
                perturbPunctuation, v, perturbStopWords, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withPerturbStopWords(boolean v) {
        return new TextOptions(strategy, sampleProba, topN, temperature, useProba,
                perturbPunctuation, stopWords, v, maxTokens, maxChars, unknownToken);
    }

    public TextOptions withMaxTokens(int v) {
        return new TextOptions(strategy, sampleProba, topN, temperature, useProba,
                perturbPunctuation, stopWords, perturbStopWords, v, maxChars, unknownToken);
    }

    public TextOptions withMaxChars(int v) {
        return new TextOptions(strategy, sampleProba, topN, temperature, useProba,
                perturbPunctuation, stopWords, perturbStopWords, maxTokens, v, unknownToken);
    }

    public TextOptions withUnknownToken(String v) {
        return new TextOptions(strategy, sampleProba, topN, temperature, useProba,
                perturbPunctuation, stopWords, perturbStopWords, maxTokens, maxChars, v);
    }
}
