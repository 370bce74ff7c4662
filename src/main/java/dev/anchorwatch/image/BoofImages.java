package dev.anchorwatch.image;

import boofcv.alg.filter.blur.GBlurImageOps;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.Planar;

/** Conversions between {@link FloatImage} and BoofCV's planar images, used by the Felzenszwalb segmenter. */
final class BoofImages {
    private BoofImages() {
    }

    /**
     * Three bands in [0, 1] (a grayscale image is repeated into all three, as the reference segments it): the
     * image's own values when they already lie in [0, 1], else scaled by its min and max (a model's input range
     * does not matter to where the edges are). A fourth and further channels are ignored.
     */
    static Planar<GrayF32> rgbUnit(FloatImage image) {
        int h = image.height();
        int w = image.width();
        int c = image.channels();
        float[] px = image.view();
        float[] range = image.range();
        float lo = 0;
        float scale = 1;
        if (range[0] < 0 || range[1] > 1) {
            lo = range[0];
            scale = range[1] > range[0] ? 1f / (range[1] - range[0]) : 0f;
        }
        Planar<GrayF32> out = new Planar<>(GrayF32.class, w, h, 3);
        for (int b = 0; b < 3; b++) {
            int src = c >= 3 ? b : 0;
            float[] band = out.getBand(b).data;
            for (int p = 0, n = h * w; p < n; p++) {
                band[p] = (px[p * c + src] - lo) * scale;
            }
        }
        return out;
    }

    /** Gaussian smoothing of every band with standard deviation {@code sigma} (no-op for sigma 0). */
    static Planar<GrayF32> blur(Planar<GrayF32> image, double sigma) {
        if (sigma <= 0) {
            return image;
        }
        Planar<GrayF32> out = image.createSameShape();
        GBlurImageOps.gaussian(image, out, sigma, -1, new GrayF32(image.width, image.height));
        return out;
    }

    /** Multiplies every value by {@code factor}, in place. */
    static void scale(Planar<GrayF32> image, float factor) {
        for (int b = 0; b < image.getNumBands(); b++) {
            float[] d = image.getBand(b).data;
            for (int i = 0; i < d.length; i++) {
                d[i] *= factor;
            }
        }
    }

    /** A BoofCV label image as a row-major array. */
    static int[] dense(GrayS32 labels, int w, int h) {
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(labels.data, labels.startIndex + y * labels.stride, out, y * w, w);
        }
        return out;
    }
}
