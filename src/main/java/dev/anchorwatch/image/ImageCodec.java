package dev.anchorwatch.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * PNG and JPEG in and out, with the JDK's {@code javax.imageio} only. Decoding reads the header first, so a
 * small file that claims a huge image is refused before any pixel memory is allocated.
 */
public final class ImageCodec {
    private ImageCodec() {
    }

    /**
     * Decodes a PNG, JPEG (or any format ImageIO reads) into a float image: 8-bit samples (16-bit ones scaled to 8
     * bits) times {@code scale}, so {@code 1/255} gives [0, 1] and {@code 1} gives [0, 255]. Alpha is dropped.
     *
     * @param channels 1 (luminance), 3 (RGB), or 0 for what the file holds (1 for gray, 3 for colour)
     * @param maxPixels largest height × width accepted
     * @throws IllegalArgumentException if the bytes are not an image ImageIO reads, or it is too large
     */
    public static FloatImage decode(byte[] bytes, int channels, float scale, long maxPixels) {
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new IllegalArgumentException("an encoded image decodes to 1 or 3 channels, not " + channels);
        }
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException("not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w * h > maxPixels) {
                    throw new TooLarge(h + "x" + w + " image has " + w * h + " pixels, more than the " + maxPixels
                            + " allowed");
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("image cannot be decoded: " + e.getMessage());
        }
        int w = img.getWidth();
        int h = img.getHeight();
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        boolean indexed = cm instanceof IndexColorModel;
        int colourBands = indexed ? 3 : cm.getNumColorComponents();
        int have = colourBands >= 3 ? 3 : 1;
        int out = channels == 0 ? have : channels;
        float[] px = new float[h * w * out];
        float[] rgb = new float[3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (indexed) {
                    int argb = img.getRGB(x, y);
                    rgb[0] = (argb >> 16) & 0xFF;
                    rgb[1] = (argb >> 8) & 0xFF;
                    rgb[2] = argb & 0xFF;
                } else {
                    for (int b = 0; b < have; b++) {
                        int bits = cm.getComponentSize(b);
                        float v = raster.getSample(x, y, b);
                        rgb[b] = bits == 8 ? v : v * 255f / ((1 << bits) - 1);
                    }
                }
                int at = (y * w + x) * out;
                if (out == have) {
                    for (int b = 0; b < out; b++) {
                        px[at + b] = rgb[b] * scale;
                    }
                } else if (out == 1) { // colour to luminance (ITU-R BT.601 weights)
                    px[at] = (0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]) * scale;
                } else { // gray to three equal channels
                    px[at] = px[at + 1] = px[at + 2] = rgb[0] * scale;
                }
            }
        }
        return new FloatImage(h, w, out, px, true);
    }

    /** Thrown by {@link #decode} for an image over the pixel limit (a distinct status for callers: 413). */
    public static final class TooLarge extends IllegalArgumentException {
        public TooLarge(String message) {
            super(message);
        }
    }

    /**
     * The image as an 8-bit PNG (gray for one channel, RGB for three or more): values in [0, 1] are scaled by
     * 255, values in [0, 255] kept, anything else stretched from its min and max.
     */
    public static byte[] png(FloatImage image) {
        int h = image.height();
        int w = image.width();
        int c = image.channels();
        BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        ToByte tb = ToByte.of(image);
        float[] px = image.view();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int at = (y * w + x) * c;
                if (c == 1) {
                    img.getRaster().setSample(x, y, 0, tb.apply(px[at]));
                } else {
                    img.setRGB(x, y, (tb.apply(px[at]) << 16) | (tb.apply(px[at + 1]) << 8) | tb.apply(px[at + 2]));
                }
            }
        }
        return write(img);
    }

    static byte[] write(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** How an image's values map to 0..255 for display. */
    record ToByte(float lo, float scale) {
        static ToByte of(FloatImage image) {
            float[] r = image.range();
            if (r[0] >= 0 && r[1] <= 1) {
                return new ToByte(0, 255);
            }
            if (r[0] >= 0 && r[1] <= 255) {
                return new ToByte(0, 1);
            }
            return new ToByte(r[0], r[1] > r[0] ? 255 / (r[1] - r[0]) : 0);
        }

        int apply(float v) {
            return Math.max(0, Math.min(255, Math.round((v - lo) * scale)));
        }
    }
}
