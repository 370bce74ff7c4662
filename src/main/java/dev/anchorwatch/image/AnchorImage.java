package dev.anchorwatch.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.AnchorResult;
import dev.anchorwatch.anchor.AnchorSearch;
import dev.anchorwatch.anchor.Oracle;

/**
 * Anchors for image models (ANCHORS.md §5): cuts the image into superpixels, perturbs it by switching superpixels
 * off (mean colour, background image or fixed value) and searches for the smallest set of superpixels that, kept,
 * holds the model's label. Holds only immutable settings: explain any number of images, concurrently if you wish.
 *
 * <p>Two ways to call the model: {@link #explain(FloatImage, int, Oracle, AnchorParams, RandomGenerator)} hands
 * the oracle rendered images (simple; every sample of a round is in memory at once), while
 * {@link #explain(SegmentedImage, int, Oracle, AnchorParams, RandomGenerator)} hands it compact
 * {@link Perturbation}s to render in bounded chunks with {@link ImagePerturber#renderInto} (large images).
 */
public final class AnchorImage {
    public static final double DEFAULT_P_SAMPLE = 0.5;

    private final Segmenter segmenter;
    private final double pSample;
    private final Fill fill;
    private final float[] fillValue;
    private final List<FloatImage> backgrounds;

    /**
     * @param segmenter   how to cut images into superpixels
     * @param pSample     probability that a superpixel outside the anchor is switched off in a sample
     * @param fill        what a switched-off superpixel shows
     * @param fillValue   VALUE fill: one value, or one per channel; null otherwise
     * @param backgrounds BACKGROUND fill: images of the explained images' shape; empty otherwise
     */
    public AnchorImage(Segmenter segmenter, double pSample, Fill fill, float[] fillValue, List<FloatImage> backgrounds) {
        this.segmenter = Objects.requireNonNull(segmenter, "segmenter");
        if (!(pSample >= 0 && pSample <= 1)) {
            throw new IllegalArgumentException("p_sample must be in [0, 1], got " + pSample);
        }
        this.pSample = pSample;
        this.fill = Objects.requireNonNull(fill, "fill");
        this.fillValue = fillValue == null ? null : fillValue.clone();
        this.backgrounds = backgrounds == null ? List.of() : List.copyOf(backgrounds);
        if (fill == Fill.VALUE && (this.fillValue == null || this.fillValue.length == 0)) {
            throw new IllegalArgumentException("fill 'value' needs fill_value");
        }
        if (fill == Fill.BACKGROUND && this.backgrounds.isEmpty()) {
            throw new IllegalArgumentException("fill 'background' needs at least one background image");
        }
    }

    /** Superpixels with the reference's defaults (SLIC, 10 segments), mean-colour fill, p_sample 0.5. */
    public static AnchorImage withDefaults() {
        return new AnchorImage(new SlicSegmenter(), DEFAULT_P_SAMPLE, Fill.MEAN, null, List.of());
    }

    public Segmenter segmenter() {
        return segmenter;
    }

    public double pSample() {
        return pSample;
    }

    public Fill fill() {
        return fill;
    }

    public List<FloatImage> backgrounds() {
        return backgrounds;
    }

    /**
     * Segments the image and prepares its perturbations.
     *
     * @throws IllegalArgumentException if background images do not have the image's shape
     */
    public SegmentedImage segment(FloatImage image) {
        long t0 = System.nanoTime();
        SegmentMap segments = segmenter.segment(image);
        long elapsed = System.nanoTime() - t0;
        ImagePerturber perturber = new ImagePerturber(image, segments, fill, fillValue, backgrounds);
        return new SegmentedImage(image, segments, perturber,
                new ImageSampler(segments.count(), pSample, perturber.backgroundCount()), elapsed);
    }

    /**
     * Explains why the model gives the segmented image its label, calling the oracle with compact perturbations.
     *
     * @param label the model's label for the image (carried into the result)
     * @param rng   the explanation's only source of randomness: the same seed gives the same anchor
     * @throws Exception whatever the oracle throws
     */
    public ImageExplanation explain(SegmentedImage segmented, int label, Oracle<Perturbation> oracle,
                                    AnchorParams params, RandomGenerator rng) throws Exception {
        Objects.requireNonNull(oracle, "oracle");
        AnchorResult<Perturbation> result = AnchorSearch.run(segmented.sampler(), oracle, params, rng);
        return new ImageExplanation(result, segmented, label);
    }

    /** Segments and explains, handing the oracle every sample of a round as rendered pixels (H, W, C). */
    public ImageExplanation explain(FloatImage image, int label, Oracle<float[]> pixels, AnchorParams params,
                                    RandomGenerator rng) throws Exception {
        Objects.requireNonNull(pixels, "oracle");
        SegmentedImage segmented = segment(image);
        ImagePerturber perturber = segmented.perturber();
        return explain(segmented, label, samples -> {
            List<float[]> rendered = new ArrayList<>(samples.size());
            for (Perturbation p : samples) {
                rendered.add(perturber.render(p));
            }
            return pixels.sameLabel(rendered);
        }, params, rng);
    }
}
