package dev.anchorwatch.image;

import java.util.LinkedHashMap;
import java.util.Map;

import boofcv.abst.segmentation.ImageSuperpixels;
import boofcv.factory.segmentation.ConfigFh04;
import boofcv.factory.segmentation.FactoryImageSegmentation;
import boofcv.struct.ConnectRule;
import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayS32;
import boofcv.struct.image.ImageType;
import boofcv.struct.image.Planar;

/**
 * Felzenszwalb–Huttenlocher graph segmentation (2004) through BoofCV. The image (three channels, grayscale
 * repeated) is brought to the 0–255 range BoofCV's threshold is calibrated for and smoothed with a Gaussian of
 * {@code sigma}; {@code scale} is the threshold constant k (larger: fewer, larger segments) and
 * {@code minSize} the smallest segment kept. Labels are renumbered 0..K−1.
 */
public final class FelzenszwalbSegmenter implements Segmenter {
    public static final double DEFAULT_SCALE = 100;
    public static final double DEFAULT_SIGMA = 0.8;
    public static final int DEFAULT_MIN_SIZE = 20;

    private final double scale;
    private final double sigma;
    private final int minSize;

    public FelzenszwalbSegmenter(double scale, double sigma, int minSize) {
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be > 0, got " + scale);
        }
        if (!(sigma >= 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma must be >= 0, got " + sigma);
        }
        if (minSize < 1) {
            throw new IllegalArgumentException("min_size must be >= 1, got " + minSize);
        }
        this.scale = scale;
        this.sigma = sigma;
        this.minSize = minSize;
    }

    @Override
    public SegmentMap segment(FloatImage image) {
        int h = image.height();
        int w = image.width();
        Planar<GrayF32> rgb = BoofImages.rgbUnit(image);
        BoofImages.scale(rgb, 255f);
        rgb = BoofImages.blur(rgb, sigma);
        ConfigFh04 config = new ConfigFh04((float) scale, minSize, ConnectRule.EIGHT, 0);
        ImageSuperpixels<Planar<GrayF32>> fh = FactoryImageSegmentation.fh04(config, ImageType.pl(3, GrayF32.class));
        GrayS32 out = new GrayS32(w, h);
        fh.segment(rgb, out);
        return SegmentMap.of(h, w, BoofImages.dense(out, w, h));
    }

    @Override
    public String name() {
        return "felzenszwalb";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("scale", scale);
        p.put("sigma", sigma);
        p.put("min_size", minSize);
        return p;
    }
}
