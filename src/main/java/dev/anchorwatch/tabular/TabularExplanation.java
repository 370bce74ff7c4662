package dev.anchorwatch.tabular;

import dev.anchorwatch.anchor.AnchorResult;

import java.util.List;

/**
 * A tabular anchor with its readable form.
 *
 * @param result        what the search found; predicate indices refer to {@link TabularPredicates} of the instance
 * @param names         one readable condition per distinct feature of the anchor, in order of first appearance
 *                      (Alibi's {@code anchor} / {@code names})
 * @param featureOfStep the feature of each predicate of the anchor, in insertion order (Alibi's
 *                      {@code raw.feature})
 * @param instance      the explained instance (encoded form)
 * @param label         the label the model gave the instance
 */
public record TabularExplanation(AnchorResult<double[]> result, List<String> names, int[] featureOfStep,
                                 double[] instance, int label) {
    public TabularExplanation {
        names = List.copyOf(names);
        featureOfStep = featureOfStep.clone();
        instance = instance.clone();
    }

    /** A copy: the record stays immutable. */
    @Override
    public int[] featureOfStep() {
        return featureOfStep.clone();
    }

    /** A copy: the record stays immutable. */
    @Override
    public double[] instance() {
        return instance.clone();
    }
}
