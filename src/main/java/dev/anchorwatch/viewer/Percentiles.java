package dev.anchorwatch.viewer;

import java.util.Arrays;

/** Percentiles as PostgreSQL's {@code percentile_cont} computes them, so both stores report the same figures. */
final class Percentiles {
    private Percentiles() {
    }

    /** The q-quantile (0..1) of the values, interpolating linearly; null when there are none. */
    static Double cont(double[] values, int n, double q) {
        if (n == 0) {
            return null;
        }
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        double pos = q * (n - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
