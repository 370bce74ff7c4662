package dev.anchorwatch.anchor;

/**
 * Confidence bounds on a Bernoulli mean from the KL divergence, as the Anchors search uses them. Exact and
 * deterministic: the bisection runs a fixed number of halvings so results match the reference to the bit.
 */
public final class BernoulliBounds {
    private static final double LOW_CLIP = 1e-7;
    private static final double HIGH_CLIP = Math.nextDown(1.0);
    private static final int HALVINGS = 16;

    private BernoulliBounds() {
    }

    /** KL divergence of Bernoulli(p) from Bernoulli(q), both clipped away from 0 and 1. */
    public static double kl(double p, double q) {
        p = clip(p);
        q = clip(q);
        return p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
    }

    /** Largest q >= p with KL(p, q) <= level (to bisection precision). */
    public static double upper(double p, double level) {
        double hi = Math.min(1.0, p + Math.sqrt(level / 2));
        double lo = p;
        for (int i = 0; i < HALVINGS; i++) {
            double mid = (hi + lo) / 2;
            if (kl(p, mid) > level) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /** Smallest q <= p with KL(p, q) <= level (to bisection precision). */
    public static double lower(double p, double level) {
        double hi = p;
        double lo = Math.max(0.0, Math.min(1.0, p - Math.sqrt(level / 2)));
        for (int i = 0; i < HALVINGS; i++) {
            double mid = (hi + lo) / 2;
            if (kl(p, mid) > level) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Exploration rate of KL-LUCB for {@code arms} arms at iteration {@code t} (from 1). */
    public static double beta(int arms, int t, double delta) {
        double x = Math.log(405.5 * arms * Math.pow(t, 1.1) / delta);
        return x + Math.log(x);
    }

    private static double clip(double v) {
        return Math.min(Math.max(v, LOW_CLIP), HIGH_CLIP);
    }
}
