package dev.anchorwatch.image;

import java.util.List;
import java.util.Objects;

/**
 * Makes the pixels of a {@link Perturbation}: kept superpixels show the explained image, the others the fill
 * (mean colour, a background image, or a fixed value). Immutable and thread-safe.
 */
public final class ImagePerturber {
    private final FloatImage image;
    private final SegmentMap segments;
    private final Fill fill;
    /** MEAN and VALUE: the image every switched-off segment copies from. */
    private final float[] replacement;
    private final List<FloatImage> backgrounds;

    /**
     * @param fillValue   VALUE fill: one value for every channel, or one per channel (ignored otherwise)
     * @param backgrounds BACKGROUND fill: images of the explained image's shape, at least one (ignored otherwise)
     */
    public ImagePerturber(FloatImage image, SegmentMap segments, Fill fill, float[] fillValue,
                          List<FloatImage> backgrounds) {
        this.image = Objects.requireNonNull(image, "image");
        this.segments = Objects.requireNonNull(segments, "segments");
        this.fill = Objects.requireNonNull(fill, "fill");
        segments.requireSameSize(image);
        int c = image.channels();
        switch (fill) {
            case MEAN -> {
                float[][] means = segments.meanColours(image);
                int[] labels = segments.view();
                replacement = new float[image.view().length];
                for (int p = 0; p < labels.length; p++) {
                    System.arraycopy(means[labels[p]], 0, replacement, p * c, c);
                }
                this.backgrounds = List.of();
            }
            case VALUE -> {
                if (fillValue == null || (fillValue.length != 1 && fillValue.length != c)) {
                    throw new IllegalArgumentException("fill_value needs 1 or " + c + " values, got "
                            + (fillValue == null ? 0 : fillValue.length));
                }
                replacement = new float[image.view().length];
                for (int i = 0; i < replacement.length; i++) {
                    replacement[i] = fillValue[fillValue.length == 1 ? 0 : i % c];
                }
                this.backgrounds = List.of();
            }
            default -> {
                if (backgrounds == null || backgrounds.isEmpty()) {
                    throw new IllegalArgumentException("background fill needs at least one background image");
                }
                for (FloatImage b : backgrounds) {
                    if (b.height() != image.height() || b.width() != image.width() || b.channels() != c) {
                        throw new IllegalArgumentException("background images are " + b.height() + "x" + b.width()
                                + "x" + b.channels() + " but the image is " + image.height() + "x" + image.width()
                                + "x" + c);
                    }
                }
                replacement = null;
                this.backgrounds = List.copyOf(backgrounds);
            }
        }
    }

    public FloatImage image() {
        return image;
    }

    public SegmentMap segments() {
        return segments;
    }

    public Fill fill() {
        return fill;
    }

    /** Background images to draw from (0 unless the fill is BACKGROUND). */
    public int backgroundCount() {
        return backgrounds.size();
    }

    /** Values per image: H·W·C. */
    public int valuesPerImage() {
        return image.view().length;
    }

    /** The perturbed image's values, row-major (H, W, C). */
    public float[] render(Perturbation p) {
        float[] out = new float[valuesPerImage()];
        renderInto(p, out, 0);
        return out;
    }

    /** Writes the perturbed image's values into {@code dest} from {@code offset}. */
    public void renderInto(Perturbation p, float[] dest, int offset) {
        if (p.segments() != segments.count()) {
            throw new IllegalArgumentException("perturbation of " + p.segments() + " segments for an image of "
                    + segments.count());
        }
        float[] own = image.view();
        System.arraycopy(own, 0, dest, offset, own.length);
        float[] source = replacement;
        if (source == null) {
            int b = p.background();
            if (b < 0 || b >= backgrounds.size()) {
                throw new IllegalArgumentException("perturbation names background " + b + " of " + backgrounds.size());
            }
            source = backgrounds.get(b).view();
        }
        int c = image.channels();
        int[] members = segments.members();
        for (int s = 0, k = segments.count(); s < k; s++) {
            if (p.isKept(s)) {
                continue;
            }
            for (int i = segments.start(s), end = segments.end(s); i < end; i++) {
                int at = members[i] * c;
                if (c == 1) {
                    dest[offset + at] = source[at];
                } else {
                    System.arraycopy(source, at, dest, offset + at, c);
                }
            }
        }
    }
}
