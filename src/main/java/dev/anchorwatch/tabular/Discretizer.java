package dev.anchorwatch.tabular;

import java.util.Arrays;

/**
 * Bins each numeric feature at percentiles of its training column, as the reference does: edges are the
 * percentiles with linear interpolation (NumPy's default), duplicates removed, ascending; the bin of x is the
 * number of edges strictly below x, so a value equal to an edge falls in the lower bin. Categorical features
 * have no edges. Immutable.
 */
public final class Discretizer {
    /** The reference's default percentiles: quartiles. */
    public static final double[] DEFAULT_PERCENTILES = {25, 50, 75};

    private final double[] percentiles;
    private final double[][] edges;
    // per edge, the training values on either side of the cut: the largest value <= the edge and the smallest
    // value > it (+infinity when none); a printed threshold anywhere in [below, above) selects the same rows
    private final double[][] below;
    private final double[][] above;

    private Discretizer(double[] percentiles, double[][] edges, double[][] below, double[][] above) {
        this.percentiles = percentiles;
        this.edges = edges;
        this.below = below;
        this.above = above;
    }

    /**
     * Fits edges for every numeric feature of {@code data}.
     *
     * @param percentiles values in [0, 100], at least one; null means {@link #DEFAULT_PERCENTILES}
     */
    public static Discretizer fit(TabularData data, double[] percentiles) {
        double[] ps = checkPercentiles(percentiles);
        int d = data.featureCount();
        double[][] edges = new double[d][];
        double[][] below = new double[d][];
        double[][] above = new double[d][];
        for (int f = 0; f < d; f++) {
            if (data.isCategorical(f)) {
                edges[f] = below[f] = above[f] = new double[0];
                continue;
            }
            double[] sorted = data.column(f);
            Arrays.sort(sorted);
            edges[f] = edges(sorted, ps);
            below[f] = new double[edges[f].length];
            above[f] = new double[edges[f].length];
            for (int i = 0; i < edges[f].length; i++) {
                int firstAbove = firstAbove(sorted, edges[f][i]);
                // an edge is a percentile of the column, so at least the minimum lies at or below it
                below[f][i] = sorted[Math.max(0, firstAbove - 1)];
                above[f][i] = firstAbove < sorted.length ? sorted[firstAbove] : Double.POSITIVE_INFINITY;
            }
        }
        return new Discretizer(ps, edges, below, above);
    }

    /** Index of the first value of {@code sorted} strictly greater than {@code x} (its length if none). */
    private static int firstAbove(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double[] checkPercentiles(double[] percentiles) {
        double[] ps = percentiles == null ? DEFAULT_PERCENTILES.clone() : percentiles.clone();
        if (ps.length == 0) {
            throw new IllegalArgumentException("at least one percentile is needed to discretize numeric features");
        }
        for (double p : ps) {
            if (!(p >= 0 && p <= 100)) {
                throw new IllegalArgumentException("percentile " + p + " is not in [0, 100]");
            }
        }
        return ps;
    }

    /** Sorted, distinct percentiles of {@code column} (not modified) at {@code percentiles}. */
    public static double[] edges(double[] column, double[] percentiles) {
        double[] ps = checkPercentiles(percentiles);
        if (column.length == 0) {
            throw new IllegalArgumentException("cannot take percentiles of an empty column");
        }
        double[] sorted = column.clone();
        Arrays.sort(sorted);
        double[] out = new double[ps.length];
        for (int i = 0; i < ps.length; i++) {
            out[i] = percentile(sorted, ps[i]);
        }
        Arrays.sort(out);
        int n = 0;
        for (int i = 0; i < out.length; i++) {
            if (i == 0 || out[i] != out[n - 1]) {
                out[n++] = out[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Linear interpolation at position h = (n − 1)·(p/100) of the sorted column, computed the way NumPy does
     * (fraction first, then interpolating from whichever neighbour is nearer) so edges match it bit for bit.
     */
    static double percentile(double[] sorted, double p) {
        double h = (sorted.length - 1) * (p / 100.0);
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double t = h - lo;
        double a = sorted[lo];
        double b = sorted[hi];
        double diff = b - a;
        return t < 0.5 ? a + diff * t : b - diff * (1 - t);
    }

    /** The percentiles this discretizer was fitted with (a copy). */
    public double[] percentiles() {
        return percentiles.clone();
    }

    public int featureCount() {
        return edges.length;
    }

    /** Ascending distinct edges of a numeric feature; empty for a categorical one (a copy). */
    public double[] edges(int feature) {
        return edges[feature].clone();
    }

    int edgeCount(int feature) {
        return edges[feature].length;
    }

    double edge(int feature, int i) {
        return edges[feature][i];
    }

    /** The largest training value at or below edge {@code i} of {@code feature}. */
    double trainingValueAtOrBelow(int feature, int i) {
        return below[feature][i];
    }

    /** The smallest training value above edge {@code i} of {@code feature}; +infinity if none. */
    double trainingValueAbove(int feature, int i) {
        return above[feature][i];
    }

    /** Number of edges strictly below {@code x}: 0 .. edges(feature).length. */
    public int bin(int feature, double x) {
        double[] e = edges[feature];
        int lo = 0;
        int hi = e.length;
        while (lo < hi) { // first edge >= x
            int mid = (lo + hi) >>> 1;
            if (e[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Discretizer[percentiles=").append(Arrays.toString(percentiles));
        for (int f = 0; f < edges.length; f++) {
            if (edges[f].length > 0) {
                sb.append(", ").append(f).append('=').append(Arrays.toString(edges[f]));
            }
        }
        return sb.append(']').toString();
    }
}
