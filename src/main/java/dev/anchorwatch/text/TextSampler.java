package dev.anchorwatch.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.PredicateMatrix;
import dev.anchorwatch.anchor.Sampler;

/**
 * Perturbs one text (ANCHORS.md §4). The text is tokenized; predicate p says "token {@link #tokenOf}(p) is kept".
 * Every word is a predicate, and so is every punctuation token when {@link TextOptions#perturbPunctuation()} is
 * set. Stop words are never predicates: they stay as they are in every sample, or, with
 * {@link TextOptions#perturbStopWords()}, are replaced like any other word without ever being anchor candidates.
 * Punctuation (by default) stays as it is and is never a predicate.
 *
 * <p>In a sample, each predicate token outside the anchor is replaced with probability
 * {@link TextOptions#sampleProba()}, independently of the others: for one token over n samples this picks a
 * uniformly random subset of the samples whose size is Binomial(n, sample_proba), as the reference does. The
 * replacement is the unknown token ({@link TextOptions.Strategy#UNKNOWN}), or one of the word's
 * {@link TextOptions#topN()} nearest words in the word vectors ({@link TextOptions.Strategy#SIMILARITY}), drawn
 * uniformly or with softmax(similarity / temperature) weights, and given the original's case style (UPPER,
 * Capitalised); a word without vectors, and punctuation, are replaced by the unknown token. A sample is its
 * tokens joined with single spaces. A sample satisfies a predicate iff the token is unchanged.
 *
 * <p>The coverage set keeps each predicate with probability 0.5, whatever sample_proba is.
 *
 * <p>Immutable after construction and safe to share between threads.
 */
public final class TextSampler implements Sampler<String> {
    private final String text;
    private final List<Token> tokens;
    private final String[] tokenText;
    private final int[] tokenOf;
    private final int[] predicateOf;
    private final double sampleProba;
    private final String unknown;
    private final boolean[] perturbed;     // per token: may be replaced in a sample
    private final String[][] replacements; // per token; null: the unknown token
    private final double[][] cumulative;   // per token; null: uniform over replacements

    /**
     * @param vectors the word vectors of the similarity strategy; ignored (may be null) for the unknown one
     * @throws IllegalArgumentException if the text has more characters or tokens than the options allow, or the
     *                                  similarity strategy has no vectors
     */
    public TextSampler(String text, TextOptions options, WordVectors vectors) {
        if (text == null) {
            throw new IllegalArgumentException("text is null");
        }
        if (text.length() > options.maxChars()) {
            throw new IllegalArgumentException("text has " + text.length() + " characters; at most " + options.maxChars()
                    + " are accepted (max_chars)");
        }
        this.text = text;
        this.tokens = List.copyOf(Tokenizer.tokenize(text));
        if (tokens.size() > options.maxTokens()) {
            throw new IllegalArgumentException("text has " + tokens.size() + " tokens; at most " + options.maxTokens()
                    + " are accepted (max_tokens)");
        }
        boolean similarity = options.strategy() == TextOptions.Strategy.SIMILARITY;
        if (similarity && vectors == null) {
            throw new IllegalArgumentException("the similarity strategy needs word vectors");
        }
        this.sampleProba = options.sampleProba();
        this.unknown = options.unknownToken();
        this.tokenText = new String[tokens.size()];
        this.predicateOf = new int[tokens.size()];
        this.perturbed = new boolean[tokens.size()];
        List<Integer> predicates = new ArrayList<>();
        for (int t = 0; t < tokens.size(); t++) {
            Token token = tokens.get(t);
            tokenText[t] = token.text();
            boolean candidate = token.word() || options.perturbPunctuation();
            boolean stop = options.isStopWord(token.text());
            perturbed[t] = candidate && (!stop || options.perturbStopWords());
            predicateOf[t] = candidate && !stop ? predicates.size() : -1;
            if (predicateOf[t] >= 0) {
                predicates.add(t);
            }
        }
        this.tokenOf = predicates.stream().mapToInt(Integer::intValue).toArray();
        this.replacements = new String[tokens.size()][];
        this.cumulative = new double[tokens.size()][];
        if (similarity) {
            for (int p = 0; p < tokens.size(); p++) {
                if (!perturbed[p]) {
                    continue;
                }
                Token token = tokens.get(p);
                List<Neighbour> near = token.word() ? vectors.neighbours(token.text(), options.topN()) : List.of();
                if (near.isEmpty()) {
                    continue; // no vectors: the unknown token
                }
                String[] words = new String[near.size()];
                for (int k = 0; k < words.length; k++) {
                    words[k] = restyle(near.get(k).word(), token.text());
                }
                replacements[p] = words;
                if (options.useProba()) {
                    cumulative[p] = softmaxCumulative(near, options.temperature());
                }
            }
        }
    }

    /** A sampler of the unknown strategy. */
    public static TextSampler unknown(String text, TextOptions options) {
        return new TextSampler(text, options.withStrategy(TextOptions.Strategy.UNKNOWN), null);
    }

    private static double[] softmaxCumulative(List<Neighbour> near, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (Neighbour n : near) {
            max = Math.max(max, n.similarity());
        }
        double[] c = new double[near.size()];
        double total = 0;
        for (int k = 0; k < c.length; k++) {
            total += Math.exp((near.get(k).similarity() - max) / temperature);
            c[k] = total;
        }
        return c;
    }

    /** The replacement in the original word's case style: UPPER stays UPPER, Capitalised stays Capitalised. */
    static String restyle(String replacement, String original) {
        if (!replacement.equals(replacement.toLowerCase(Locale.ROOT))) {
            return replacement; // a cased vocabulary chose its own case
        }
        int letters = 0;
        boolean allUpper = true;
        for (int i = 0; i < original.length(); ) {
            int cp = original.codePointAt(i);
            if (Character.isLetter(cp)) {
                letters++;
                allUpper &= Character.isUpperCase(cp);
            }
            i += Character.charCount(cp);
        }
        if (letters >= 2 && allUpper) {
            return replacement.toUpperCase(Locale.ROOT);
        }
        if (letters >= 1 && Character.isUpperCase(original.codePointAt(0))) {
            int first = replacement.codePointAt(0);
            return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                    .append(replacement, Character.charCount(first), replacement.length()).toString();
        }
        return replacement;
    }

    @Override
    public int predicateCount() {
        return tokenOf.length;
    }

    public String text() {
        return text;
    }

    public List<Token> tokens() {
        return tokens;
    }

    /** The token index of predicate {@code p}. */
    public int tokenOf(int p) {
        return tokenOf[p];
    }

    /** The predicate of token {@code t}, or -1 if the token is never an anchor candidate. */
    public int predicateOf(int t) {
        return predicateOf[t];
    }

    /** The word of predicate {@code p}. */
    public String word(int p) {
        return tokenText[tokenOf[p]];
    }

    /** What predicate {@code p}'s token may be replaced by, in draw order. */
    public List<String> replacements(int p) {
        int t = tokenOf[p];
        return replacements[t] == null ? List.of(unknown) : List.of(replacements[t]);
    }

    @Override
    public Draw<String> draw(int[] anchor, int n, RandomGenerator rng) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        int predicates = tokenOf.length;
        boolean[] fixed = new boolean[predicates];
        for (int p : anchor) {
            if (p < 0 || p >= predicates) {
                throw new IndexOutOfBoundsException("predicate " + p + " of " + predicates);
            }
            fixed[p] = true;
        }
        PredicateMatrix.Builder satisfied = PredicateMatrix.builder(n, predicates);
        List<String> samples = new ArrayList<>(n);
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < n; i++) {
            sb.setLength(0);
            for (int t = 0; t < tokenText.length; t++) {
                if (t > 0) {
                    sb.append(' ');
                }
                int p = predicateOf[t];
                String out = tokenText[t];
                if (perturbed[t] && (p < 0 || !fixed[p]) && rng.nextDouble() < sampleProba) {
                    out = replacement(t, rng);
                }
                sb.append(out);
                if (p >= 0 && out.equals(tokenText[t])) {
                    satisfied.set(i, p);
                }
            }
            samples.add(sb.toString());
        }
        return new Draw<>(samples, satisfied.build());
    }

    private String replacement(int t, RandomGenerator rng) {
        String[] words = replacements[t];
        if (words == null) {
            return unknown;
        }
        double[] c = cumulative[t];
        if (c == null) {
            return words[rng.nextInt(words.length)];
        }
        double u = rng.nextDouble() * c[c.length - 1];
        int k = Arrays.binarySearch(c, u);
        k = k >= 0 ? k + 1 : -k - 1; // first cumulative weight above u
        return words[Math.min(k, words.length - 1)];
    }

    @Override
    public PredicateMatrix coverageSet(int n, RandomGenerator rng) {
        int predicates = tokenOf.length;
        PredicateMatrix.Builder m = PredicateMatrix.builder(n, predicates);
        for (int i = 0; i < n; i++) {
            for (int base = 0; base < predicates; base += 64) {
                long bits = rng.nextLong();
                int limit = Math.min(64, predicates - base);
                for (int b = 0; b < limit; b++) {
                    if ((bits & (1L << b)) != 0) {
                        m.set(i, base + b);
                    }
                }
            }
        }
        return m.build();
    }
}
