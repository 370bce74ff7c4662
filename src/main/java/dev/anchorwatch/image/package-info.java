/**
 * Anchors for image models (ANCHORS.md §5), as a plain library: the JDK, BoofCV for superpixels, nothing else.
 *
 * <p>{@link dev.anchorwatch.image.FloatImage} holds an image as the model sees it;
 * {@link dev.anchorwatch.image.Segmenter}s ({@link dev.anchorwatch.image.SlicSegmenter},
 * {@link dev.anchorwatch.image.FelzenszwalbSegmenter}, {@link dev.anchorwatch.image.GridSegmenter}) cut it into
 * a {@link dev.anchorwatch.image.SegmentMap}; {@link dev.anchorwatch.image.ImageSampler} draws compact
 * {@link dev.anchorwatch.image.Perturbation}s that {@link dev.anchorwatch.image.ImagePerturber} renders;
 * {@link dev.anchorwatch.image.AnchorImage} ties them to {@link dev.anchorwatch.anchor.AnchorSearch};
 * {@link dev.anchorwatch.image.Overlay} and {@link dev.anchorwatch.image.ImageCodec} make PNGs.
 */
package dev.anchorwatch.image;
