package dev.anchorwatch.shap;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The rows a coalition's missing features are taken from, with a weight each: KernelSHAP's stand-in for "the
 * feature is unknown". The expected value {@code E[f]} is the weighted mean of the model over these rows.
 * Immutable: the arrays are copied in and never handed out.
 */
public final class Background {
    private final double[][] rows;
    private final double[] weights;
    private final String summary;

    private Background(double[][] rows, double[] weights, String summary) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("background data has no rows");
        }
        int d = rows[0].length;
        for (double[] r : rows) {
            if (r.length != d) {
                throw new IllegalArgumentException("background rows differ in length");
            }
        }
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("background weights must be finite and >= 0");
            }
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("background weights sum to zero");
        }
        this.rows = rows;
        this.weights = weights;
        this.summary = summary;
    }

    /** Every row, equally weighted. */
    public static Background of(double[][] rows) {
        double[] w = new double[rows.length];
        Arrays.fill(w, 1.0);
        return new Background(copy(rows), w, "none");
    }

    /** Rows with their own weights (e.g. cluster sizes). */
    public static Background weighted(double[][] rows, double[] weights) {
        if (rows.length != weights.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + weights.length + " weights");
        }
        return new Background(copy(rows), weights.clone(), "weighted");
    }

    /** {@code k} rows drawn without replacement, equally weighted; all rows when there are no more than k. */
    public static Background sample(double[][] rows, int k, SplittableRandom rng) {
        if (k < 1) {
            throw new IllegalArgumentException("a background sample needs at least one row");
        }
        if (rows.length <= k) {
            return new Background(copy(rows), filled(rows.length), "sample");
        }
        int[] idx = new int[rows.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        double[][] out = new double[k][];
        for (int i = 0; i < k; i++) { // partial Fisher-Yates
            int j = i + rng.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            out[i] = rows[idx[i]].clone();
        }
        return new Background(out, filled(k), "sample");
    }

    /**
     * A k-means summary: k centres (k-means++ start, Lloyd iterations until no row changes cluster or 100
     * iterations), each weighted by its cluster's size, and each coordinate moved to the nearest value that column
     * takes in the data, so a categorical code stays a valid code. All rows when there are no more than k.
     */
    public static Background kmeans(double[][] rows, int k, SplittableRandom rng) {
        if (k < 1) {
            throw new IllegalArgumentException("a k-means summary needs k >= 1");
        }
        if (rows.length <= k) {
            return new Background(copy(rows), filled(rows.length), "kmeans");
        }
        int n = rows.length;
        int d = rows[0].length;
        // scale each column to unit spread so that one wide feature does not decide every distance
        double[] scale = new double[d];
        for (int c = 0; c < d; c++) {
            double mean = 0;
            for (double[] r : rows) {
                mean += r[c];
            }
            mean /= n;
            double var = 0;
            for (double[] r : rows) {
                var += (r[c] - mean) * (r[c] - mean);
            }
            double sd = Math.sqrt(var / n);
            scale[c] = sd > 0 ? 1 / sd : 1;
        }
        double[][] centres = new double[k][];
        double[] dist = new double[n];
        centres[0] = rows[rng.nextInt(n)].clone();
        Arrays.fill(dist, Double.POSITIVE_INFINITY);
        for (int c = 1; c < k; c++) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                dist[i] = Math.min(dist[i], distance(rows[i], centres[c - 1], scale));
                total += dist[i];
            }
            int pick = n - 1;
            double u = rng.nextDouble() * total;
            for (int i = 0; i < n; i++) {
                u -= dist[i];
                if (u < 0) {
                    pick = i;
                    break;
                }
            }
            centres[c] = rows[pick].clone();
        }
        int[] assign = new int[n];
        Arrays.fill(assign, -1);
        for (int iter = 0; iter < 100; iter++) {
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                int best = 0;
                double bestD = Double.POSITIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    double dd = distance(rows[i], centres[c], scale);
                    if (dd < bestD) {
                        bestD = dd;
                        best = c;
                    }
                }
                if (assign[i] != best) {
                    assign[i] = best;
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
            double[][] sums = new double[k][d];
            int[] counts = new int[k];
            for (int i = 0; i < n; i++) {
                counts[assign[i]]++;
                for (int c = 0; c < d; c++) {
                    sums[assign[i]][c] += rows[i][c];
                }
            }
            for (int c = 0; c < k; c++) {
                if (counts[c] > 0) {
                    for (int j = 0; j < d; j++) {
                        centres[c][j] = sums[c][j] / counts[c];
                    }
                }
            }
        }
        double[] weights = new double[k];
        for (int i = 0; i < n; i++) {
            weights[assign[i]]++;
        }
        // snap to values the data takes, column by column
        for (int c = 0; c < d; c++) {
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = rows[i][c];
            }
            Arrays.sort(values);
            for (double[] centre : centres) {
                centre[c] = nearest(values, centre[c]);
            }
        }
        int kept = 0;
        for (double w : weights) {
            kept += w > 0 ? 1 : 0;
        }
        double[][] outRows = new double[kept][];
        double[] outW = new double[kept];
        for (int c = 0, o = 0; c < k; c++) {
            if (weights[c] > 0) {
                outRows[o] = centres[c];
                outW[o++] = weights[c];
            }
        }
        return new Background(outRows, outW, "kmeans");
    }

    private static double nearest(double[] sorted, double v) {
        int i = Arrays.binarySearch(sorted, v);
        if (i >= 0) {
            return sorted[i];
        }
        int hi = -i - 1;
        if (hi == 0) {
            return sorted[0];
        }
        if (hi == sorted.length) {
            return sorted[sorted.length - 1];
        }
        return v - sorted[hi - 1] <= sorted[hi] - v ? sorted[hi - 1] : sorted[hi];
    }

    private static double distance(double[] a, double[] b, double[] scale) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double t = (a[i] - b[i]) * scale[i];
            s += t * t;
        }
        return s;
    }

    private static double[] filled(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0);
        return w;
    }

    private static double[][] copy(double[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i].clone();
        }
        return out;
    }

    public int size() {
        return rows.length;
    }

    public int columns() {
        return rows[0].length;
    }

    /** A copy of row i. */
    public double[] row(int i) {
        return rows[i].clone();
    }

    double value(int row, int column) {
        return rows[row][column];
    }

    public double weight(int i) {
        return weights[i];
    }

    /** How the rows were chosen: none (raw), sample, kmeans or weighted. */
    public String summary() {
        return summary;
    }

    /** Bytes held by the rows and weights, for memory accounting. */
    public long bytes() {
        return (long) rows.length * (rows[0].length * 8L + 16) + weights.length * 8L;
    }
}
