package dev.anchorwatch.tabular;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.AnchorResult;
import dev.anchorwatch.anchor.AnchorSearch;
import dev.anchorwatch.anchor.Oracle;
import dev.anchorwatch.anchor.SampleStreams;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Anchors for tabular models: fits the discretizer once on the training data, then explains any number of
 * instances, concurrently if the caller wishes (it holds only immutable state; each explanation builds its
 * own predicates and sampler).
 */
public final class AnchorTabular {
    /**
     * Outsiders each KL-LUCB iteration samples beside the reference's two arms (AnchorSearch): measured on Adult
     * over HTTP, one more arm per request saves more round trips than it costs rows (docs/benchmarks.md).
     */
    public static final int EXTRA_CHALLENGERS = 1;

    private final TabularData training;
    private final Discretizer discretizer;

    /**
     * @param training    the data perturbations are drawn from
     * @param percentiles where numeric features are cut, in [0, 100]; null means quartiles (25, 50, 75)
     */
    public AnchorTabular(TabularData training, double[] percentiles) {
        this.training = Objects.requireNonNull(training, "training data");
        this.discretizer = Discretizer.fit(training, percentiles);
    }

    /**
     * Explains why the model gives {@code instance} its label.
     *
     * @param instance one value per feature, categories as codes
     * @param label    the model's label for the instance (carried into the result)
     * @param oracle   says, for a batch of perturbed rows, which the model labels like the instance
     * @param rng      the explanation's only source of randomness: the same seed gives the same anchor
     * @throws IllegalArgumentException if the instance has the wrong length or an invalid value, naming the feature
     * @throws Exception                whatever the oracle throws
     */
    public TabularExplanation explain(double[] instance, int label, Oracle<double[]> oracle,
                                      AnchorParams params, RandomGenerator rng) throws Exception {
        return explain(instance, label, oracle, params, rng, SampleStreams.RNG);
    }

    /**
     * As {@link #explain(double[], int, Oracle, AnchorParams, RandomGenerator)}, with the samples drawn from
     * {@code streams} ({@link SampleStreams#keyed}: the same anchor gets the same samples in every explanation).
     */
    public TabularExplanation explain(double[] instance, int label, Oracle<double[]> oracle,
                                      AnchorParams params, RandomGenerator rng, SampleStreams streams)
            throws Exception {
        Objects.requireNonNull(oracle, "oracle");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(rng, "rng");
        TabularPredicates predicates = TabularPredicates.forInstance(training, discretizer, instance);
        TabularSampler sampler = new TabularSampler(training, predicates);
        AnchorResult<double[]> result = AnchorSearch.run(sampler, oracle, params, rng, EXTRA_CHALLENGERS, streams);
        int[] anchor = result.predicates();
        return new TabularExplanation(result, predicates.names(anchor), predicates.features(anchor), instance,
                label);
    }

    /** The predicates {@link #explain} numbers for {@code instance}: to read the result's predicate indices. */
    public TabularPredicates predicates(double[] instance) {
        return TabularPredicates.forInstance(training, discretizer, instance);
    }

    public TabularData training() {
        return training;
    }

    public Discretizer discretizer() {
        return discretizer;
    }
}
