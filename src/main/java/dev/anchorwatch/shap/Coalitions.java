package dev.anchorwatch.shap;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The coalitions (subsets of the M varying groups) KernelSHAP evaluates, with their Shapley kernel weights.
 *
 * <p>The kernel gives a coalition of size s the weight {@code (M - 1) / (C(M, s) * s * (M - s))}; summed over a
 * size, {@code (M - 1) / (s * (M - s))}, symmetric in s and M - s. Sizes are visited from the outside in (1 and
 * M - 1, then 2 and M - 2, ...): a size and its mirror are enumerated completely while the samples left cover all
 * of their coalitions at the rate their share of the remaining weight asks for; the remaining sizes are sampled
 * (size drawn by weight, then a uniform subset of that size, plus its complement for mirrored sizes), repeated
 * draws adding to a coalition's count, and the sampled coalitions' counts are scaled to the weight those sizes
 * carry. The empty and the full coalition are not evaluated: the efficiency constraint stands for them.
 */
final class Coalitions {
    final List<BitSet> masks = new ArrayList<>();
    final List<Double> weights = new ArrayList<>();
    /** Coalitions that come from enumerated sizes (the first ones in the lists). */
    int enumerated;

    private Coalitions() {
    }

    /** Largest number of distinct coalitions that can be evaluated (2^M - 2), saturating at Long.MAX_VALUE. */
    static long maxSamples(int m) {
        return m >= 62 ? Long.MAX_VALUE : (1L << m) - 2;
    }

    static Coalitions build(int m, long nsamples, SplittableRandom rng) {
        Coalitions out = new Coalitions();
        if (m < 2 || nsamples < 1) {
            return out;
        }
        int sizes = (m - 1 + 1) / 2;  // ceil((M - 1) / 2) sizes, each standing for itself and its mirror
        int paired = (m - 1) / 2;     // those whose mirror is a different size
        double[] w = new double[sizes];
        double sum = 0;
        for (int s = 1; s <= sizes; s++) {
            w[s - 1] = (m - 1.0) / (s * (double) (m - s));
            if (s <= paired) {
                w[s - 1] *= 2;
            }
            sum += w[s - 1];
        }
        for (int i = 0; i < sizes; i++) {
            w[i] /= sum;
        }
        double[] remaining = w.clone();
        long left = nsamples;
        int full = 0;
        for (int s = 1; s <= sizes; s++) {
            double count = binomial(m, s) * (s <= paired ? 2 : 1);
            if (left * remaining[s - 1] / count < 1 - 1e-8) {
                break;
            }
            full++;
            left -= (long) count;
            if (remaining[s - 1] < 1) {
                double scale = 1 / (1 - remaining[s - 1]);
                for (int i = 0; i < sizes; i++) {
                    remaining[i] *= scale;
                }
            }
            double each = w[s - 1] / binomial(m, s) / (s <= paired ? 2 : 1);
            int[] idx = new int[s];
            for (int i = 0; i < s; i++) {
                idx[i] = i;
            }
            do {
                BitSet mask = new BitSet(m);
                for (int i : idx) {
                    mask.set(i);
                }
                out.add(mask, each);
                if (s <= paired) {
                    BitSet complement = (BitSet) mask.clone();
                    complement.flip(0, m);
                    out.add(complement, each);
                }
            } while (nextCombination(idx, m));
        }
        out.enumerated = out.masks.size();
        if (full == sizes || left <= 0) {
            return out;
        }
        // sample the sizes not enumerated
        double[] p = new double[sizes - full];
        double psum = 0;
        for (int i = full; i < sizes; i++) {
            p[i - full] = w[i] / (i < paired ? 2 : 1);
            psum += p[i - full];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= psum;
        }
        Map<BitSet, Integer> seen = new HashMap<>();
        int[] perm = new int[m];
        long draws = 4 * left; // as the reference: a bounded number of draws, enough unless nearly all are taken
        for (long d = 0; d < draws && left > 0; d++) {
            double u = rng.nextDouble();
            int pick = p.length - 1;
            for (int i = 0; i < p.length; i++) {
                u -= p[i];
                if (u < 0) {
                    pick = i;
                    break;
                }
            }
            int s = full + 1 + pick;
            for (int i = 0; i < m; i++) {
                perm[i] = i;
            }
            BitSet mask = new BitSet(m);
            for (int i = 0; i < s; i++) {
                int j = i + rng.nextInt(m - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                mask.set(perm[i]);
            }
            boolean fresh = out.addOrCount(mask, seen);
            if (fresh) {
                left--;
            }
            if (s <= paired) {
                BitSet complement = (BitSet) mask.clone();
                complement.flip(0, m);
                if (fresh && left > 0) {
                    out.addOrCount(complement, seen);
                    left--;
                } else if (!fresh && seen.containsKey(complement)) {
                    out.addOrCount(complement, seen);
                }
            }
        }
        double sampledWeight = 0;
        for (int i = full; i < sizes; i++) {
            sampledWeight += w[i];
        }
        double counts = 0;
        for (int i = out.enumerated; i < out.weights.size(); i++) {
            counts += out.weights.get(i);
        }
        for (int i = out.enumerated; i < out.weights.size(); i++) {
            out.weights.set(i, out.weights.get(i) * sampledWeight / counts);
        }
        return out;
    }

    private void add(BitSet mask, double weight) {
        masks.add(mask);
        weights.add(weight);
    }

    /** Adds a sampled coalition with count 1, or adds 1 to its count; true when it was new. */
    private boolean addOrCount(BitSet mask, Map<BitSet, Integer> seen) {
        Integer at = seen.get(mask);
        if (at != null) {
            weights.set(at, weights.get(at) + 1);
            return false;
        }
        seen.put(mask, masks.size());
        add(mask, 1.0);
        return true;
    }

    int size() {
        return masks.size();
    }

    static double binomial(int n, int k) {
        double r = 1;
        for (int i = 1; i <= k; i++) {
            r = r * (n - k + i) / i;
        }
        return Math.rint(r) < 9e15 ? Math.rint(r) : r;
    }

    /** Next k-subset of 0..n-1 in lexicographic order; false after the last. */
    private static boolean nextCombination(int[] idx, int n) {
        int k = idx.length;
        int i = k - 1;
        while (i >= 0 && idx[i] == n - k + i) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        idx[i]++;
        for (int j = i + 1; j < k; j++) {
            idx[j] = idx[j - 1] + 1;
        }
        return true;
    }
}
