package dev.anchorwatch.tabular;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.PredicateMatrix;
import dev.anchorwatch.anchor.Sampler;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Perturbs an instance by drawing training rows (ANCHORS.md §3). For an anchor, each sample is a random
 * training row whose anchor features are overwritten with the values of a training row satisfying the whole
 * anchor, so the model sees realistic rows that agree with the instance where the anchor says so.
 *
 * <p>When fewer than n training rows satisfy the whole anchor, all of them are used, then rows satisfying
 * ever shorter prefixes of the anchor's features (in order of first appearance); a feature beyond the prefix
 * takes its value from a random row allowed for that feature alone. If no training row is allowed for a
 * feature, a categorical value is set to the instance's category, and a numeric one is drawn uniformly from
 * its interval, with an unbounded side closed at the feature's training min/max (the instance's value when
 * that lies beyond).
 *
 * <p>A search on {@link dev.anchorwatch.anchor.SampleStreams#keyed keyed streams} asks for one sample at a time,
 * each with its own RNG: then any row satisfying the whole anchor may supply it, and a shorter prefix is used
 * only when none does.
 *
 * <p>Immutable after construction and safe to share between threads; each call allocates only its samples,
 * its predicate matrix and a few row bitsets.
 */
public final class TabularSampler implements Sampler<double[]> {
    private final TabularData data;
    private final double[] instance;
    private final int predicateCount;
    private final int[] feature;
    private final TabularPredicate[] predicates;
    private final RowSet[] rowsOf; // per predicate: training rows satisfying it

    public TabularSampler(TabularData data, TabularPredicates predicates) {
        this.data = data;
        this.instance = predicates.instance();
        this.predicateCount = predicates.size();
        this.predicates = predicates.list().toArray(new TabularPredicate[0]);
        this.feature = new int[predicateCount];
        for (int p = 0; p < predicateCount; p++) {
            feature[p] = this.predicates[p].feature();
            if (feature[p] >= data.featureCount()) {
                throw new IllegalArgumentException("predicate " + p + " names feature " + feature[p]
                        + " but the data has " + data.featureCount());
            }
        }
        int rows = data.rowCount();
        long[][] bits = new long[predicateCount][RowSet.wordsFor(rows)];
        for (int r = 0; r < rows; r++) { // row-major scan: one pass over the training data
            double[] row = data.rowView(r);
            for (int p = 0; p < predicateCount; p++) {
                if (this.predicates[p].test(row[feature[p]])) {
                    bits[p][r >>> 6] |= 1L << r;
                }
            }
        }
        this.rowsOf = new RowSet[predicateCount];
        for (int p = 0; p < predicateCount; p++) {
            rowsOf[p] = new RowSet(bits[p]);
        }
    }

    /** The predicate's feature, test and value: the same predicate has the same key in every explanation. */
    @Override
    public long predicateKey(int p) {
        TabularPredicate q = predicates[p];
        long h = 31L * q.feature() + q.kind().ordinal();
        return 31L * h + Double.doubleToLongBits(q.value() == 0 ? 0.0 : q.value());
    }

    @Override
    public int predicateCount() {
        return predicateCount;
    }

    /** Training rows satisfying predicate {@code p}. */
    int trainingSupport(int p) {
        return rowsOf[p].size();
    }

    @Override
    public Draw<double[]> draw(int[] anchor, int n, RandomGenerator rng) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        for (int p : anchor) {
            if (p < 0 || p >= predicateCount) {
                throw new IndexOutOfBoundsException("predicate " + p + " of " + predicateCount);
            }
        }
        int rows = data.rowCount();
        double[][] samples = new double[n][];
        for (int i = 0; i < n; i++) {
            samples[i] = data.rowView(rng.nextInt(rows)).clone();
        }
        if (anchor.length > 0 && n > 0) {
            constrain(samples, anchor, rng);
        }
        PredicateMatrix.Builder m = PredicateMatrix.builder(n, predicateCount);
        for (int i = 0; i < n; i++) {
            double[] s = samples[i];
            for (int p = 0; p < predicateCount; p++) {
                if (predicates[p].test(s[feature[p]])) {
                    m.set(i, p);
                }
            }
        }
        return new Draw<>(Arrays.asList(samples), m.build());
    }

    /** Overwrites the anchor's features of every sample, as the class comment describes. */
    private void constrain(double[][] samples, int[] anchor, RandomGenerator rng) {
        int[] feats = distinctFeatures(anchor);
        int m = feats.length;
        // Rows allowed for each feature alone (usually one predicate: its precomputed set, no allocation).
        RowSet[] allowed = new RowSet[m];
        for (int p : anchor) {
            int j = indexOf(feats, m, feature[p]);
            allowed[j] = allowed[j] == null ? rowsOf[p] : allowed[j].and(rowsOf[p]);
        }
        int n = samples.length;
        int filled = 0;
        // prefix[k] = rows satisfying the anchor's predicates on its first k features, each one AND away from
        // the previous; usually the whole anchor (k = m) has enough rows and the loop ends at once.
        RowSet[] prefix = new RowSet[m + 1];
        for (int k = m; k >= 1 && filled < n; k--) {
            RowSet source = prefixSet(prefix, allowed, k);
            int need = n - filled;
            if (source.size() >= need) {
                for (int i = 0; i < need; i++) {
                    fill(samples[filled++], source.random(rng), anchor, feats, k, allowed, rng);
                }
            } else { // too few: take every one of them once, then fall back to a shorter prefix
                for (int row = source.nextMember(0); row >= 0; row = source.nextMember(row + 1)) {
                    fill(samples[filled++], row, anchor, feats, k, allowed, rng);
                }
            }
        }
        while (filled < n) { // not even the first feature alone has enough rows: every feature on its own
            fill(samples[filled++], -1, anchor, feats, 0, allowed, rng);
        }
    }

    private static RowSet prefixSet(RowSet[] prefix, RowSet[] allowed, int k) {
        if (prefix[k] == null) {
            prefix[k] = k == 1 ? allowed[0] : prefixSet(prefix, allowed, k - 1).and(allowed[k - 1]);
        }
        return prefix[k];
    }

    /** Copies the first {@code k} anchor features from {@code row}; draws each remaining one on its own. */
    private void fill(double[] sample, int row, int[] anchor, int[] feats, int k, RowSet[] allowed,
                      RandomGenerator rng) {
        for (int j = 0; j < k; j++) {
            sample[feats[j]] = data.value(row, feats[j]);
        }
        for (int j = k; j < feats.length; j++) {
            int f = feats[j];
            RowSet rows = allowed[j];
            sample[f] = rows.size() > 0 ? data.value(rows.random(rng), f) : unseenValue(f, anchor, rng);
        }
    }

    /**
     * A value for a feature no training row can supply under the anchor: the instance's category (a category
     * never seen in training), or a uniform draw from the anchor's interval for a numeric feature (an empty
     * bin). The instance itself satisfies the anchor, so it is the fallback when the draw rounds out of it.
     */
    private double unseenValue(int f, int[] anchor, RandomGenerator rng) {
        double x = instance[f];
        if (data.isCategorical(f)) {
            return x;
        }
        double lower = Double.NEGATIVE_INFINITY;
        double upper = Double.POSITIVE_INFINITY;
        for (int p : anchor) {
            if (feature[p] == f) {
                if (predicates[p].kind() == TabularPredicate.Kind.GT) {
                    lower = Math.max(lower, predicates[p].value());
                } else if (predicates[p].kind() == TabularPredicate.Kind.LEQ) {
                    upper = Math.min(upper, predicates[p].value());
                }
            }
        }
        double a = lower != Double.NEGATIVE_INFINITY ? lower : Math.min(data.min(f), x);
        double b = upper != Double.POSITIVE_INFINITY ? upper : Math.max(data.max(f), x);
        double v = b - rng.nextDouble() * (b - a); // in (a, b]: bins are open below, closed above
        return v > lower && v <= upper ? v : x;
    }

    /** The anchor's features in order of first appearance. */
    private int[] distinctFeatures(int[] anchor) {
        int[] out = new int[anchor.length];
        int m = 0;
        for (int p : anchor) {
            if (indexOf(out, m, feature[p]) < 0) {
                out[m++] = feature[p];
            }
        }
        return Arrays.copyOf(out, m);
    }

    private static int indexOf(int[] a, int length, int value) {
        for (int i = 0; i < length; i++) {
            if (a[i] == value) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public PredicateMatrix coverageSet(int n, RandomGenerator rng) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        int rows = data.rowCount();
        PredicateMatrix.Builder m = PredicateMatrix.builder(n, predicateCount);
        for (int i = 0; i < n; i++) {
            int row = rng.nextInt(rows);
            for (int p = 0; p < predicateCount; p++) {
                if (rowsOf[p].contains(row)) {
                    m.set(i, p);
                }
            }
        }
        return m.build();
    }
}
