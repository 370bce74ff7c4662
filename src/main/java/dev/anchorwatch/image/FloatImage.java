package dev.anchorwatch.image;

import java.util.Arrays;

/**
 * An image as the model sees it: {@code height × width × channels} float values in row-major (H, W, C) order,
 * in whatever range the model expects (for example [0, 1] or [0, 255]). Immutable: the constructor copies the
 * values and {@link #pixels()} returns a copy; code of this package reads the array in place.
 */
public final class FloatImage {
    private final int height;
    private final int width;
    private final int channels;
    private final float[] pixels;

    public FloatImage(int height, int width, int channels, float[] pixels) {
        this(height, width, channels, pixels.clone(), true);
    }

    /** Takes ownership of {@code pixels} (no copy): for this package's own freshly built arrays. */
    FloatImage(int height, int width, int channels, float[] pixels, boolean owned) {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("image dimensions must be positive, got " + height + "x" + width + "x"
                    + channels);
        }
        if ((long) height * width * channels != pixels.length) {
            throw new IllegalArgumentException("a " + height + "x" + width + "x" + channels + " image needs "
                    + (long) height * width * channels + " values, got " + pixels.length);
        }
        for (int i = 0; i < pixels.length; i++) {
            if (!Float.isFinite(pixels[i])) {
                throw new IllegalArgumentException("pixel value " + i + " is " + pixels[i]);
            }
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.pixels = pixels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int channels() {
        return channels;
    }

    /** Height times width. */
    public int pixelCount() {
        return height * width;
    }

    /** {@code [height, width, channels]}. */
    public int[] shape() {
        return new int[] {height, width, channels};
    }

    public float get(int y, int x, int c) {
        return pixels[(y * width + x) * channels + c];
    }

    /** A copy of the values, row-major (H, W, C). */
    public float[] pixels() {
        return pixels.clone();
    }

    /** The values themselves, for this package's hot loops: never modify. */
    float[] view() {
        return pixels;
    }

    /** Smallest and largest value. */
    public float[] range() {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : pixels) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new float[] {lo, hi};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatImage f && f.height == height && f.width == width && f.channels == channels
                && Arrays.equals(f.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pixels) * 31 + height * 7 + width * 3 + channels;
    }

    @Override
    public String toString() {
        return "FloatImage[" + height + "x" + width + "x" + channels + "]";
    }
}
