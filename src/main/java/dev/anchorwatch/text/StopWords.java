package dev.anchorwatch.text;

import java.util.Set;

/**
 * Built-in stop-word lists: words that carry grammar rather than meaning, so that an anchor made of them ("the",
 * "a") is valid but tells a reader nothing.
 */
public final class StopWords {
    /**
     * Common English function words (articles, pronouns, auxiliary verbs, prepositions, conjunctions and a few
     * frequent adverbs), lower-case. Negations ("not", "no", "nor") and words such as "very" or "too" are
     * deliberately absent: they change what a sentence means, and sentiment models rely on them.
     */
    public static final Set<String> ENGLISH = Set.of(
            "a", "an", "the", "and", "or", "but", "if", "then", "than", "so", "as", "because", "while", "of", "at",
            "by", "for", "with", "about", "against", "between", "into", "through", "during", "before", "after",
            "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
            "further", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each", "few",
            "more", "most", "other", "some", "such", "only", "own", "same", "can", "will", "just", "should", "now",
            "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
            "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
            "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "these",
            "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do",
            "does", "did", "doing", "would", "could", "s", "t", "d", "ll", "m", "re", "ve");

    private StopWords() {
    }

    /** A named built-in list, or null: {@code english}. */
    public static Set<String> named(String name) {
        return "english".equalsIgnoreCase(name.strip()) ? ENGLISH : null;
    }
}
