package dev.anchorwatch.image;

import java.util.Arrays;

/**
 * Superpixels: a label per pixel, numbered 0..K−1 in order of first appearance in raster order, with each
 * segment's pixels listed for fast perturbation. Immutable.
 */
public final class SegmentMap {
    private final int height;
    private final int width;
    private final int count;
    private final int[] labels;
    /** Pixels of segment s are {@code members[start[s]] .. members[start[s+1]-1]}, as indices y·W + x. */
    private final int[] start;
    private final int[] members;

    private SegmentMap(int height, int width, int count, int[] labels) {
        this.height = height;
        this.width = width;
        this.count = count;
        this.labels = labels;
        this.start = new int[count + 1];
        for (int label : labels) {
            start[label + 1]++;
        }
        for (int s = 0; s < count; s++) {
            start[s + 1] += start[s];
        }
        this.members = new int[labels.length];
        int[] next = Arrays.copyOf(start, count);
        for (int p = 0; p < labels.length; p++) {
            members[next[labels[p]]++] = p;
        }
    }

    /**
     * A map from any integer labels (one per pixel, row-major): relabelled 0..K−1 in order of first appearance,
     * so that equal input labels stay one segment and no number is skipped.
     */
    public static SegmentMap of(int height, int width, int[] rawLabels) {
        if (height < 1 || width < 1 || (long) height * width != rawLabels.length) {
            throw new IllegalArgumentException("a " + height + "x" + width + " segment map needs " + (long) height * width
                    + " labels, got " + rawLabels.length);
        }
        int[] labels = new int[rawLabels.length];
        java.util.HashMap<Integer, Integer> renumber = new java.util.HashMap<>();
        int lastRaw = Integer.MIN_VALUE;
        int lastNew = -1;
        for (int p = 0; p < rawLabels.length; p++) {
            int raw = rawLabels[p];
            if (raw != lastRaw) { // runs of one label are the common case: skip the map lookup
                Integer id = renumber.get(raw);
                if (id == null) {
                    id = renumber.size();
                    renumber.put(raw, id);
                }
                lastRaw = raw;
                lastNew = id;
            }
            labels[p] = lastNew;
        }
        return new SegmentMap(height, width, renumber.size(), labels);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Number of segments K. */
    public int count() {
        return count;
    }

    /** Segment of pixel (y, x). */
    public int label(int y, int x) {
        return labels[y * width + x];
    }

    /** A copy of the labels, row-major. */
    public int[] labels() {
        return labels.clone();
    }

    /** Pixels in segment {@code s}. */
    public int size(int s) {
        return start[s + 1] - start[s];
    }

    /** Pixel indices (y·W + x) of segment {@code s}, ascending. */
    public int[] pixelsOf(int s) {
        return Arrays.copyOfRange(members, start[s], start[s + 1]);
    }

    int start(int s) {
        return start[s];
    }

    int end(int s) {
        return start[s + 1];
    }

    int[] members() {
        return members;
    }

    int[] view() {
        return labels;
    }

    /** Per segment and channel, the mean value of the image over the segment's pixels: {@code [K][C]}. */
    public float[][] meanColours(FloatImage image) {
        requireSameSize(image);
        int c = image.channels();
        float[] px = image.view();
        float[][] out = new float[count][c];
        for (int s = 0; s < count; s++) {
            double[] sum = new double[c];
            for (int i = start[s]; i < start[s + 1]; i++) {
                int base = members[i] * c;
                for (int k = 0; k < c; k++) {
                    sum[k] += px[base + k];
                }
            }
            int n = size(s);
            for (int k = 0; k < c; k++) {
                out[s][k] = (float) (sum[k] / n);
            }
        }
        return out;
    }

    void requireSameSize(FloatImage image) {
        if (image.height() != height || image.width() != width) {
            throw new IllegalArgumentException("image is " + image.height() + "x" + image.width()
                    + " but the segment map is " + height + "x" + width);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentMap m && m.height == height && m.width == width && Arrays.equals(m.labels, labels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "SegmentMap[" + height + "x" + width + ", " + count + " segments]";
    }
}
