package dev.anchorwatch.anchor;

import java.util.random.RandomGenerator;

/**
 * Knows the data type; the search knows only predicate indices, samples and labels.
 * Predicates are numbered 0..{@link #predicateCount()}-1 and are all true for the explained instance.
 *
 * @param <S> the sample type the model is called with
 */
public interface Sampler<S> {

    int predicateCount();

    /** Draws {@code n} perturbations that satisfy every predicate in {@code anchor}. */
    Draw<S> draw(int[] anchor, int n, RandomGenerator rng);

    /**
     * Draws the fixed, unconstrained coverage set (no model calls): only which predicates each row satisfies.
     */
    PredicateMatrix coverageSet(int n, RandomGenerator rng);

    /**
     * A key of predicate {@code p} that two explanations give the same predicate (the same feature, test and
     * value), whatever its index in each: what {@link SampleStreams#keyed} streams are keyed by. The default, the
     * index, suits samplers whose predicates mean different things in different explanations.
     */
    default long predicateKey(int p) {
        return p;
    }
}
