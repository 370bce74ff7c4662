package dev.anchorwatch.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.AnchorResult;
import dev.anchorwatch.anchor.AnchorSearch;
import dev.anchorwatch.anchor.Oracle;

/**
 * Anchors for text models: which words, kept in place, make the model give a text its label whatever happens to
 * the other words. Holds only immutable state (options, word vectors), so one instance explains any number of
 * texts, concurrently if the caller wishes.
 */
public final class AnchorText {
    private final TextOptions options;
    private final WordVectors vectors;

    /**
     * @param vectors required by the similarity strategy, ignored (may be null) by the unknown one
     */
    public AnchorText(TextOptions options, WordVectors vectors) {
        this.options = Objects.requireNonNull(options, "options");
        if (options.strategy() == TextOptions.Strategy.SIMILARITY && vectors == null) {
            throw new IllegalArgumentException("sampling_strategy similarity needs word vectors");
        }
        this.vectors = vectors;
    }

    /** Without word vectors: for the unknown strategy. */
    public AnchorText(TextOptions options) {
        this(options, null);
    }

    /**
     * Explains why the model gives {@code text} its label.
     *
     * @param label  the model's label for the text (carried into the result)
     * @param oracle says, for a batch of perturbed texts, which the model labels like the text
     * @param rng    the explanation's only source of randomness: the same seed gives the same anchor
     * @throws IllegalArgumentException if the text is too long ({@link TextOptions#maxChars()},
     *                                  {@link TextOptions#maxTokens()})
     * @throws Exception                whatever the oracle throws
     */
    public TextExplanation explain(String text, int label, Oracle<String> oracle, AnchorParams params,
                                   RandomGenerator rng) throws Exception {
        return explain(sampler(text), label, oracle, params, rng);
    }

    /**
     * Explains the text of a sampler built by {@link #sampler} (so that a caller can validate the text before it
     * calls the model for the label).
     */
    public TextExplanation explain(TextSampler sampler, int label, Oracle<String> oracle, AnchorParams params,
                                   RandomGenerator rng) throws Exception {
        Objects.requireNonNull(sampler, "sampler");
        Objects.requireNonNull(oracle, "oracle");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(rng, "rng");
        AnchorResult<String> result = AnchorSearch.run(sampler, oracle, params, rng);
        int[] anchor = result.predicates();
        List<String> words = new ArrayList<>(anchor.length);
        int[] tokens = new int[anchor.length];
        int[] positions = new int[anchor.length];
        for (int i = 0; i < anchor.length; i++) {
            int t = sampler.tokenOf(anchor[i]);
            Token token = sampler.tokens().get(t);
            words.add(token.text());
            tokens[i] = t;
            positions[i] = token.start();
        }
        return new TextExplanation(result, words, tokens, positions, sampler.text(), label);
    }

    /**
     * The sampler {@link #explain} uses for {@code text}: to read the result's predicate indices, or to resample.
     *
     * @throws IllegalArgumentException if the text is too long
     */
    public TextSampler sampler(String text) {
        return new TextSampler(text, options, vectors);
    }

    public TextOptions options() {
        return options;
    }

    /** The word vectors, or null for the unknown strategy. */
    public WordVectors vectors() {
        return vectors;
    }
}
