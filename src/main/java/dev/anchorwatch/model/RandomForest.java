package dev.anchorwatch.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A random forest classifier, trained in pure Java: CART trees with Gini impurity, each grown on a bootstrap
 * sample, trying {@code maxFeatures} random features at each split. Categorical features are treated as numbers
 * (label-encoded), which is enough for the demo model.
 *
 * <p>Splits are searched on histograms: each feature's values are put in at most {@code maxBins} ordered bins
 * (one per distinct value when there are few enough, which is exact; quantile bins otherwise). A threshold is the
 * midpoint between the largest value left and the smallest value right of it among the node's samples' bins.
 *
 * <p>Training is deterministic for a seed, whatever the executor: each tree has its own generator, seeded from
 * the forest's seed and the tree's index. The trained model is immutable and safe for concurrent use.
 */
public final class RandomForest implements Classifier {

    /**
     * @param trees          number of trees (default 50)
     * @param maxDepth       deepest split level, 0 for no limit (default 0)
     * @param minSamplesLeaf fewest bootstrap samples in a leaf (default 1)
     * @param maxFeatures    features tried per split, 0 for floor(sqrt(d)) (default 0)
     * @param maxBins        most histogram bins per feature, 2..65536 (default 256)
     * @param seed           random seed (default 0)
     */
    public record Params(int trees, int maxDepth, int minSamplesLeaf, int maxFeatures, int maxBins, long seed) {
        public static final Params DEFAULTS = new Params(50, 0, 1, 0, 256, 0);

        public Params {
            require(trees >= 1, "trees must be >= 1, got " + trees);
            require(maxDepth >= 0, "max depth must be >= 0 (0 = unlimited), got " + maxDepth);
            require(minSamplesLeaf >= 1, "min samples per leaf must be >= 1, got " + minSamplesLeaf);
            require(maxFeatures >= 0, "max features must be >= 0 (0 = sqrt of the feature count), got " + maxFeatures);
            require(maxBins >= 2 && maxBins <= 65536, "max bins must be in 2..65536, got " + maxBins);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        public Params withTrees(int v) {
            return new Params(v, maxDepth, minSamplesLeaf, maxFeatures, maxBins, seed);
        }

        public Params withMaxDepth(int v) {
            return new Params(trees, v, minSamplesLeaf, maxFeatures, maxBins, seed);
        }

        public Params withMinSamplesLeaf(int v) {
            return new Params(trees, maxDepth, v, maxFeatures, maxBins, seed);
        }

        public Params withMaxFeatures(int v) {
            return new Params(trees, maxDepth, minSamplesLeaf, v, maxBins, seed);
        }

        public Params withMaxBins(int v) {
            return new Params(trees, maxDepth, minSamplesLeaf, maxFeatures, v, seed);
        }

        public Params withSeed(long v) {
            return new Params(trees, maxDepth, minSamplesLeaf, maxFeatures, maxBins, v);
        }
    }

    private final FlatForest forest;
    private final Params params;

    private RandomForest(FlatForest forest, Params params) {
        this.forest = forest;
        this.params = params;
    }

    /** Trains on labelled data; see {@link #train(double[][], int[], Params, Executor)}. */
    public static RandomForest train(LabeledData data, Params params, Executor executor) {
        return train(data.x(), data.y(), params, executor);
    }

    /**
     * Trains a forest.
     *
     * @param x        rows of equal length, finite values
     * @param y        class index per row, from 0; the number of classes is the largest plus one
     * @param params   hyper-parameters and seed
     * @param executor where trees are grown (one task per tree); null grows them on the calling thread
     */
    public static RandomForest train(double[][] x, int[] y, Params params, Executor executor) {
        Objects.requireNonNull(params, "params");
        Trainer trainer = new Trainer(x, y, params);
        List<CompletableFuture<Tree>> futures = new ArrayList<>(params.trees());
        long[] seeds = new SplittableRandom(params.seed()).longs(params.trees()).toArray();
        for (int t = 0; t < params.trees(); t++) {
            long seed = seeds[t];
            futures.add(executor == null
                    ? CompletableFuture.completedFuture(trainer.grow(seed))
                    : CompletableFuture.supplyAsync(() -> trainer.grow(seed), executor));
        }
        FlatForest.Builder builder = new FlatForest.Builder(trainer.classes, trainer.d);
        for (CompletableFuture<Tree> future : futures) {
            Tree tree;
            try {
                tree = future.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
            tree.addTo(builder);
        }
        return new RandomForest(builder.build(), params);
    }

    @Override
    public double[] probabilities(double[] row) {
        return forest.probabilities(row);
    }

    @Override
    public int predict(double[] row) {
        forest.checkRow(row);
        return forest.predict(row);
    }

    @Override
    public int[] predictAll(double[][] rows) {
        return forest.predictAll(rows);
    }

    @Override
    public double[][] probabilitiesAll(double[][] rows) {
        return forest.probabilitiesAll(rows);
    }

    @Override
    public int classes() {
        return forest.classes();
    }

    @Override
    public int features() {
        return forest.features();
    }

    public int trees() {
        return forest.trees();
    }

    /** Nodes in all trees, leaves included. */
    public int nodes() {
        return forest.nodes();
    }

    public Params params() {
        return params;
    }

    /** Share of rows predicted as labelled. */
    public double accuracy(double[][] x, int[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("need as many labels as rows, at least one");
        }
        int right = 0;
        for (int i = 0; i < x.length; i++) {
            if (predict(x[i]) == y[i]) {
                right++;
            }
        }
        return (double) right / x.length;
    }

    /** One grown tree, nodes in index order (children after parents). */
    private record Tree(int[] feature, double[] threshold, int[] left, int[] right, double[][] proba) {
        void addTo(FlatForest.Builder builder) {
            builder.addTree(feature, threshold, new boolean[feature.length], left, right, proba);
        }
    }

    /** The binned training set, shared read-only by the threads growing trees. */
    private static final class Trainer {
        final int n;
        final int d;
        final int classes;
        final int[] y;
        final char[][] codes;      // codes[f][i]: bin of row i in feature f
        final double[][] lowest;   // lowest[f][b]: smallest value in bin b
        final double[][] highest;  // highest[f][b]: largest value in bin b
        final int maxBins;
        final int tried;
        final Params params;

        Trainer(double[][] x, int[] y, Params params) {
            Objects.requireNonNull(x, "x");
            Objects.requireNonNull(y, "y");
            if (x.length == 0 || x.length != y.length) {
                throw new IllegalArgumentException("need as many labels as rows, at least one row; got " + x.length
                        + " rows and " + y.length + " labels");
            }
            this.n = x.length;
            this.d = x[0].length;
            if (d == 0) {
                throw new IllegalArgumentException("rows have no features");
            }
            int maxLabel = 0;
            for (int i = 0; i < n; i++) {
                if (x[i].length != d) {
                    throw new IllegalArgumentException("row " + i + " has " + x[i].length + " values, row 0 has " + d);
                }
                if (y[i] < 0) {
                    throw new IllegalArgumentException("label of row " + i + " is negative: " + y[i]);
                }
                maxLabel = Math.max(maxLabel, y[i]);
            }
            this.classes = maxLabel + 1;
            this.y = y.clone();
            this.params = params;
            this.tried = params.maxFeatures() == 0 ? Math.max(1, (int) Math.sqrt(d)) : Math.min(d, params.maxFeatures());
            this.codes = new char[d][];
            this.lowest = new double[d][];
            this.highest = new double[d][];
            int bins = 0;
            for (int f = 0; f < d; f++) {
                bin(x, f, params.maxBins());
                bins = Math.max(bins, highest[f].length);
            }
            this.maxBins = bins;
        }

        private void bin(double[][] x, int f, int maxBins) {
            double[] sorted = new double[n];
            for (int i = 0; i < n; i++) {
                double v = x[i][f];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("row " + i + " feature " + f + " is " + v
                            + "; training needs finite values");
                }
                sorted[i] = v == 0 ? 0 : v; // one zero: -0.0 and 0.0 are the same value for a threshold test
            }
            Arrays.sort(sorted);
            double[] distinct = new double[n];
            int count = 0;
            for (double v : sorted) {
                if (count == 0 || v != distinct[count - 1]) {
                    distinct[count++] = v;
                }
            }
            double[] upper;
            if (count <= maxBins) {
                upper = Arrays.copyOf(distinct, count);
            } else {
                // Quantile bins: upper edges at evenly spaced ranks, deduplicated; the last edge is the maximum.
                double[] edges = new double[maxBins];
                int e = 0;
                for (int q = 1; q <= maxBins; q++) {
                    double v = sorted[(int) ((long) q * n / maxBins) - 1];
                    if (e == 0 || v != edges[e - 1]) {
                        edges[e++] = v;
                    }
                }
                upper = Arrays.copyOf(edges, e);
            }
            double[] low = new double[upper.length];
            int at = 0;
            for (int b = 0; b < upper.length; b++) {
                low[b] = distinct[at];
                while (at < count && distinct[at] <= upper[b]) {
                    at++;
                }
            }
            char[] code = new char[n];
            for (int i = 0; i < n; i++) {
                int b = Arrays.binarySearch(upper, x[i][f] == 0 ? 0 : x[i][f]);
                code[i] = (char) (b >= 0 ? b : -b - 1);
            }
            codes[f] = code;
            lowest[f] = low;
            highest[f] = upper;
        }

        /** Grows one tree on a bootstrap sample drawn with this tree's own generator. */
        Tree grow(long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = rng.nextInt(n);
            }
            return new Grower(this, rng, idx).grow();
        }
    }

    /** Grows one tree; all scratch space is its own. */
    private static final class Grower {
        private final Trainer tr;
        private final SplittableRandom rng;
        private final int[] idx;
        private final int k;
        private final int[] hist;
        private final int[] order;
        private final int[] total;
        private final int[] leftCounts;

        // Growing node arrays.
        private int size;
        private int[] feature = new int[256];
        private double[] threshold = new double[256];
        private int[] left = new int[256];
        private int[] right = new int[256];
        private double[][] proba = new double[256][];

        // Best split of the node being examined.
        private int bestFeature;
        private int bestBin;
        private double bestThreshold;

        Grower(Trainer tr, SplittableRandom rng, int[] idx) {
            this.tr = tr;
            this.rng = rng;
            this.idx = idx;
            this.k = tr.classes;
            this.hist = new int[tr.maxBins * k];
            this.order = new int[tr.d];
            this.total = new int[k];
            this.leftCounts = new int[k];
        }

        Tree grow() {
            // Explicit stack of (node, from, to, depth): deep trees must not overflow the thread's stack.
            int[] stack = new int[64 * 4];
            int top = 0;
            newNode();
            stack[top++] = 0;
            stack[top++] = 0;
            stack[top++] = tr.n;
            stack[top++] = 0;
            while (top > 0) {
                int depth = stack[--top];
                int to = stack[--top];
                int from = stack[--top];
                int node = stack[--top];
                Arrays.fill(total, 0);
                for (int i = from; i < to; i++) {
                    total[tr.y[idx[i]]]++;
                }
                int m = to - from;
                boolean pure = false;
                for (int c = 0; c < k; c++) {
                    pure |= total[c] == m;
                }
                boolean canSplit = !pure && m >= 2 * tr.params.minSamplesLeaf()
                        && (tr.params.maxDepth() == 0 || depth < tr.params.maxDepth());
                if (!canSplit || !findSplit(from, to)) {
                    double[] p = new double[k];
                    for (int c = 0; c < k; c++) {
                        p[c] = (double) total[c] / m;
                    }
                    proba[node] = p;
                    left[node] = -1;
                    continue;
                }
                int mid = partition(from, to);
                int l = newNode();
                int r = newNode();
                feature[node] = bestFeature;
                threshold[node] = bestThreshold;
                left[node] = l;
                right[node] = r;
                if (top + 8 > stack.length) {
                    stack = Arrays.copyOf(stack, stack.length * 2);
                }
                stack[top++] = r;
                stack[top++] = mid;
                stack[top++] = to;
                stack[top++] = depth + 1;
                stack[top++] = l;
                stack[top++] = from;
                stack[top++] = mid;
                stack[top++] = depth + 1;
            }
            return new Tree(Arrays.copyOf(feature, size), Arrays.copyOf(threshold, size), Arrays.copyOf(left, size),
                    Arrays.copyOf(right, size), Arrays.copyOf(proba, size));
        }

        private int newNode() {
            if (size == feature.length) {
                int grown = size * 2;
                feature = Arrays.copyOf(feature, grown);
                threshold = Arrays.copyOf(threshold, grown);
                left = Arrays.copyOf(left, grown);
                right = Arrays.copyOf(right, grown);
                proba = Arrays.copyOf(proba, grown);
            }
            return size++;
        }

        /**
         * Looks at features in random order until {@code tried} of them are not constant in the node, and keeps the
         * split with the lowest weighted Gini impurity. False when no feature allows a split.
         */
        private boolean findSplit(int from, int to) {
            int m = to - from;
            int minLeaf = tr.params.minSamplesLeaf();
            double best = Double.NEGATIVE_INFINITY;
            bestFeature = -1;
            for (int f = 0; f < tr.d; f++) {
                order[f] = f;
            }
            int examined = 0;
            for (int j = 0; j < tr.d && examined < tr.tried; j++) {
                int swap = j + rng.nextInt(tr.d - j);
                int f = order[swap];
                order[swap] = order[j];
                order[j] = f;

                char[] code = tr.codes[f];
                int lo = Integer.MAX_VALUE;
                int hi = -1;
                for (int i = from; i < to; i++) {
                    int row = idx[i];
                    int b = code[row];
                    hist[b * k + tr.y[row]]++;
                    lo = Math.min(lo, b);
                    hi = Math.max(hi, b);
                }
                if (lo == hi) {
                    Arrays.fill(hist, lo * k, lo * k + k, 0);
                    continue; // constant in this node: does not count as tried
                }
                examined++;
                Arrays.fill(leftCounts, 0);
                int nl = 0;
                int lastBin = -1;
                for (int b = lo; b <= hi; b++) {
                    int base = b * k;
                    int inBin = 0;
                    for (int c = 0; c < k; c++) {
                        inBin += hist[base + c];
                    }
                    if (inBin == 0) {
                        continue;
                    }
                    // A candidate boundary between the previous non-empty bin and this one.
                    if (lastBin >= 0 && nl >= minLeaf && m - nl >= minLeaf) {
                        double sl = 0;
                        double sr = 0;
                        for (int c = 0; c < k; c++) {
                            double lc = leftCounts[c];
                            double rc = total[c] - leftCounts[c];
                            sl += lc * lc;
                            sr += rc * rc;
                        }
                        // Minimising weighted Gini is maximising sum(l_c^2)/n_l + sum(r_c^2)/n_r.
                        double score = sl / nl + sr / (m - nl);
                        if (score > best) {
                            best = score;
                            bestFeature = f;
                            bestBin = lastBin;
                            bestThreshold = midpoint(tr.highest[f][lastBin], tr.lowest[f][b]);
                        }
                    }
                    for (int c = 0; c < k; c++) {
                        leftCounts[c] += hist[base + c];
                        hist[base + c] = 0;
                    }
                    nl += inBin;
                    lastBin = b;
                }
            }
            return bestFeature >= 0;
        }

        /** Moves the node's samples with bin <= bestBin to the front; returns where the right part starts. */
        private int partition(int from, int to) {
            char[] code = tr.codes[bestFeature];
            int i = from;
            int j = to - 1;
            while (i <= j) {
                if (code[idx[i]] <= bestBin) {
                    i++;
                } else {
                    int t = idx[i];
                    idx[i] = idx[j];
                    idx[j--] = t;
                }
            }
            return i;
        }

        /** A threshold strictly below {@code high} and not below {@code low}, so both sides keep their values. */
        private static double midpoint(double low, double high) {
            double mid = low / 2 + high / 2;
            return mid < high && mid >= low ? mid : low;
        }
    }
}
