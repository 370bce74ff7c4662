package dev.anchorwatch.image;

import java.util.LinkedHashMap;
import java.util.Map;

import boofcv.abst.segmentation.ImageSuperpixels;
import boofcv.factory.segmentation.ConfigSlic;
import boofcv.factory.segmentation.FactoryImageSegmentation;
import boofcv.struct.ConnectRule;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.ImageType;
import boofcv.struct.image.Planar;

/**
 * SLIC superpixels (Achanta et al. 2012) through BoofCV, set up like the reference's default: the image (grayscale
 * repeated to three channels) is converted to CIE L*a*b*, smoothed with a Gaussian of {@code sigma}, and clustered
 * with {@code compactness} weighing spatial against colour distance (L*a*b* units, so 10 means what it means
 * in the reference). BoofCV merges regions smaller than a fraction of the grid area and keeps segments connected,
 * so the count is near, not equal to, {@code nSegments}. Labels are renumbered 0..K−1.
 */
public final class SlicSegmenter implements Segmenter {
    public static final int DEFAULT_SEGMENTS = 10;
    public static final double DEFAULT_COMPACTNESS = 10;
    public static final double DEFAULT_SIGMA = 0.5;
    public static final int DEFAULT_ITERATIONS = 10;

    private final int nSegments;
    private final double compactness;
    private final double sigma;
    private final int iterations;

    public SlicSegmenter() {
        this(DEFAULT_SEGMENTS, DEFAULT_COMPACTNESS, DEFAULT_SIGMA, DEFAULT_ITERATIONS);
    }

    public SlicSegmenter(int nSegments, double compactness, double sigma, int iterations) {
        if (nSegments < 1) {
            throw new IllegalArgumentException("n_segments must be >= 1, got " + nSegments);
        }
        if (!(compactness > 0) || !Double.isFinite(compactness)) {
            throw new IllegalArgumentException("compactness must be > 0, got " + compactness);
        }
        if (!(sigma >= 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma must be >= 0, got " + sigma);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("max_iterations must be >= 1, got " + iterations);
        }
        this.nSegments = nSegments;
        this.compactness = compactness;
        this.sigma = sigma;
        this.iterations = iterations;
    }

    @Override
    public SegmentMap segment(FloatImage image) {
        int h = image.height();
        int w = image.width();
        if (nSegments == 1 || h < 4 || w < 4) { // BoofCV's SLIC needs 4x4; one segment needs no clustering
            return SegmentMap.of(h, w, new int[h * w]);
        }
        Planar<GrayF32> lab = BoofImages.rgbUnit(image);
        BoofImages.toLab(lab);
        lab = BoofImages.blur(lab, sigma);
        ConfigSlic config = new ConfigSlic(Math.min(nSegments, h * w / 4), (float) compactness);
        config.totalIterations = iterations;
        config.connectRule = ConnectRule.EIGHT;
        ImageSuperpixels<Planar<GrayF32>> slic = FactoryImageSegmentation.slic(config, ImageType.pl(3, GrayF32.class));
        GrayS32 out = new GrayS32(w, h);
        slic.segment(lab, out);
        return SegmentMap.of(h, w, dense(out, w, h));
    }

    static int[] dense(GrayS32 labels, int w, int h) {
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(labels.data, labels.startIndex + y * labels.stride, out, y * w, w);
        }
        return out;
    }

    @Override
    public String name() {
        return "slic";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("n_segments", nSegments);
        p.put("compactness", compactness);
        p.put("sigma", sigma);
        p.put("max_iterations", iterations);
        return p;
    }
}
