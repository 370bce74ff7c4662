package dev.anchorwatch.image;

import java.util.Map;

/**
 * Cuts an image into superpixels. Implementations are immutable and thread-safe (per-call working memory only).
 */
public interface Segmenter {

    SegmentMap segment(FloatImage image);

    /** Short name, e.g. {@code slic}: Alibi's {@code segmentation_fn}. */
    String name();

    /** The parameters in force, for {@code meta.params.segmentation_kwargs}. */
    Map<String, Object> parameters();
}
