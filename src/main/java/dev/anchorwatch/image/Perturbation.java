package dev.anchorwatch.image;

import java.util.Arrays;

/**
 * One perturbed image, compactly: which superpixels keep the explained image's pixels (a bitset over the K
 * segments) and, for background filling, which background image supplies the others. The pixels themselves are
 * made only when the model needs them ({@link ImagePerturber#render}), so the search can hold tens of thousands
 * of samples of a 299×299×3 image in a few hundred kilobytes.
 */
public final class Perturbation {
    private final int segments;
    private final long[] kept;
    private final int background;

    Perturbation(int segments, long[] kept, int background) {
        this.segments = segments;
        this.kept = kept;
        this.background = background;
    }

    /** A perturbation keeping exactly the given segments. */
    public static Perturbation keeping(int segments, int background, int... keptSegments) {
        long[] bits = new long[words(segments)];
        for (int s : keptSegments) {
            if (s < 0 || s >= segments) {
                throw new IndexOutOfBoundsException("segment " + s + " of " + segments);
            }
            bits[s >>> 6] |= 1L << s;
        }
        return new Perturbation(segments, bits, background);
    }

    static int words(int segments) {
        return Math.max(1, (segments + 63) >>> 6);
    }

    /** Number of segments of the image. */
    public int segments() {
        return segments;
    }

    /** Whether segment {@code s} shows the explained image's own pixels (predicate s holds). */
    public boolean isKept(int s) {
        return (kept[s >>> 6] & (1L << s)) != 0;
    }

    /** The kept segments, ascending. */
    public int[] keptSegments() {
        int[] out = new int[keptCount()];
        int n = 0;
        for (int s = 0; s < segments; s++) {
            if (isKept(s)) {
                out[n++] = s;
            }
        }
        return out;
    }

    public int keptCount() {
        int n = 0;
        for (long w : kept) {
            n += Long.bitCount(w);
        }
        return n;
    }

    /** Index of the background image filling the other segments, or −1 when the fill is not a background. */
    public int background() {
        return background;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Perturbation p && p.segments == segments && p.background == background
                && Arrays.equals(p.kept, kept);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kept) * 31 + background;
    }

    @Override
    public String toString() {
        return "Perturbation[kept " + Arrays.toString(keptSegments()) + (background >= 0 ? ", background "
                + background : "") + "]";
    }
}
