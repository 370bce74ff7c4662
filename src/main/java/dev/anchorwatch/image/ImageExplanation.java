package dev.anchorwatch.image;

import dev.anchorwatch.anchor.AnchorResult;

/**
 * An image anchor: the superpixels that, kept, hold the model's label with high precision.
 *
 * @param result            what the search found; predicate s is "superpixel s kept"
 * @param segmented         the image, its superpixels and perturber
 * @param label             the label the model gave the image
 */
public record ImageExplanation(AnchorResult<Perturbation> result, SegmentedImage segmented, int label) {

    /** The anchor's superpixels in the order the search added them. */
    public int[] anchorSegments() {
        return result.predicates();
    }

    public SegmentMap segments() {
        return segmented.segments();
    }

    public FloatImage image() {
        return segmented.image();
    }
}
