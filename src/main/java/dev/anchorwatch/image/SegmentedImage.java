package dev.anchorwatch.image;

/**
 * An image ready to explain: its superpixels, how to render perturbations of it, and the sampler the search uses.
 *
 * @param segmentationNanos time spent segmenting, for benchmarks and {@code raw} counters
 */
public record SegmentedImage(FloatImage image, SegmentMap segments, ImagePerturber perturber, ImageSampler sampler,
                             long segmentationNanos) {
}
