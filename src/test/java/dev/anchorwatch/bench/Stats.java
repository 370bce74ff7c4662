package dev.anchorwatch.bench;

import java.util.Arrays;

/** The order statistics every benchmark prints, computed one way. */
final class Stats {
    private Stats() {
    }

    /** Linear interpolation between order statistics (NumPy's default), as PEER.md's figures use. */
    static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        double h = (s.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (h - lo) * (s[hi] - s[lo]);
    }

    static double median(double[] v) {
        return quantile(v, 0.5);
    }
}
