package dev.anchorwatch.model;

import java.util.Arrays;

/**
 * Decision trees flattened into parallel primitive arrays, all trees in one set, evaluated without allocating.
 * A node either tests {@code x[feature] <= threshold} (go left when true) or, for an equality node,
 * {@code x[feature] == threshold} (go right when true). Forest probabilities are the leaf probabilities summed
 * over the trees in order, then divided by the number of trees (the order and the late division matter for
 * exactness against the reference implementation).
 */
final class FlatForest {
    private final int classes;
    private final int features;
    private final int[] roots;
    /**
     * Two longs per node, so one cache line serves a node visit. At a split node: the threshold's bits, then
     * {@code leftChild << 32 | feature << 1 | equalityBit}, the right child being {@code leftChild + 1}. At a leaf:
     * the offset of its class probabilities in {@link #leafProba}, then -1 in the upper half.
     */
    private final long[] nodes;
    private final double[] leafProba;

    private FlatForest(Builder b) {
        this.classes = b.classes;
        this.features = b.features;
        this.roots = Arrays.copyOf(b.roots, b.trees);
        this.nodes = Arrays.copyOf(b.nodes, 2 * b.nodeCount);
        this.leafProba = Arrays.copyOf(b.leafProba, b.probaSize);
    }

    int classes() {
        return classes;
    }

    int features() {
        return features;
    }

    int trees() {
        return roots.length;
    }

    int nodes() {
        return nodes.length / 2;
    }

    /** Offset in {@link #leafProba} of the leaf that {@code row} reaches in tree {@code t}. */
    private int leaf(int t, double[] row) {
        int node = roots[t];
        while (true) {
            long meta = nodes[2 * node + 1];
            int child = (int) (meta >> 32);
            if (child < 0) {
                return (int) nodes[2 * node];
            }
            int test = (int) meta;
            double x = row[test >>> 1];
            double threshold = Double.longBitsToDouble(nodes[2 * node]);
            boolean goRight = (test & 1) == 0 ? !(x <= threshold) : x == threshold;
            node = goRight ? child + 1 : child;
        }
    }

    void checkRow(double[] row) {
        if (row == null || row.length != features) {
            throw new IllegalArgumentException("expected " + features + " values per row, got "
                    + (row == null ? 0 : row.length));
        }
    }

    double[] probabilities(double[] row) {
        checkRow(row);
        double[] sum = new double[classes];
        for (int t = 0; t < roots.length; t++) {
            int at = leaf(t, row);
            for (int c = 0; c < classes; c++) {
                sum[c] += leafProba[at + c];
            }
        }
        for (int c = 0; c < classes; c++) {
            sum[c] /= roots.length;
        }
        return sum;
    }

    int predict(double[] row) {
        if (classes != 2) {
            return Classifier.argmax(probabilities(row));
        }
        checkRow(row);
        double p0 = 0;
        double p1 = 0;
        for (int t = 0; t < roots.length; t++) {
            int at = leaf(t, row);
            p0 += leafProba[at];
            p1 += leafProba[at + 1];
        }
        // Divide before comparing: two different sums can round to the same probability, and then class 0 wins.
        return p1 / roots.length > p0 / roots.length ? 1 : 0;
    }

    /** Rows evaluated together tree by tree: their values and sums stay in cache while each tree's nodes do. */
    private static final int BLOCK = 256;

    /**
     * Leaf probabilities summed over the trees for many rows, row {@code i}'s class {@code c} at
     * {@code i * classes + c}. Rows go through the forest in blocks, tree by tree rather than row by row, so each
     * tree's nodes stay in cache while a block goes through it. Sums are still taken in tree order per row, so each
     * row's sums equal those {@link #probabilities} takes.
     */
    private double[] sums(double[][] rows) {
        for (double[] row : rows) {
            checkRow(row);
        }
        int n = rows.length;
        double[] sums = new double[n * classes];
        for (int from = 0; from < n; from += BLOCK) {
            int to = Math.min(n, from + BLOCK);
            for (int t = 0; t < roots.length; t++) {
                for (int i = from; i < to; i++) {
                    int at = leaf(t, rows[i]);
                    for (int c = 0; c < classes; c++) {
                        sums[i * classes + c] += leafProba[at + c];
                    }
                }
            }
        }
        return sums;
    }

    /** {@link #probabilities} of each row, evaluated tree by tree; equal to it value for value. */
    double[][] probabilitiesAll(double[][] rows) {
        double[] sums = sums(rows);
        double[][] out = new double[rows.length][classes];
        for (int i = 0; i < rows.length; i++) {
            for (int c = 0; c < classes; c++) {
                out[i][c] = sums[i * classes + c] / roots.length;
            }
        }
        return out;
    }

    /** {@link #predict} of each row, evaluated tree by tree; equal to it label for label. */
    int[] predictAll(double[][] rows) {
        double[] sums = sums(rows);
        int n = rows.length;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            double bestValue = sums[i * classes] / roots.length;
            for (int c = 1; c < classes; c++) {
                double v = sums[i * classes + c] / roots.length;
                if (v > bestValue) {
                    best = c;
                    bestValue = v;
                }
            }
            labels[i] = best;
        }
        return labels;
    }

    /** Collects whole trees, renumbering their nodes so that siblings sit side by side. */
    static final class Builder {
        private final int classes;
        private final int features;
        private int trees;
        private int nodeCount;
        private int probaSize;
        private int[] roots = new int[16];
        private long[] nodes = new long[2048];
        private double[] leafProba = new double[1024];

        Builder(int classes, int features) {
            if (classes < 1 || features < 1) {
                throw new IllegalArgumentException("a forest needs at least one class and one feature");
            }
            this.classes = classes;
            this.features = features;
        }

        /**
         * Adds one tree given as parallel arrays indexed by node, root at 0. A node is a leaf iff
         * {@code left[i] < 0}; then {@code leafProba[i]} holds its class probabilities. Otherwise it tests
         * {@code x[feature[i]] <= threshold[i]} (left when true), or when {@code equality[i]},
         * {@code x[feature[i]] == threshold[i]} (right when true). Nodes the root cannot reach are dropped.
         */
        Builder addTree(int[] feature, double[] threshold, boolean[] equality, int[] left, int[] right,
                        double[][] leafProba) {
            int count = left.length;
            String tree = "tree " + trees;
            if (count == 0) {
                throw new IllegalArgumentException(tree + " has no nodes");
            }
            if (feature.length != count || threshold.length != count || equality.length != count
                    || right.length != count || leafProba.length != count) {
                throw new IllegalArgumentException(tree + " has node arrays of different lengths");
            }
            // Breadth-first from the root: a node's new index is its place in the queue, children enqueued in pairs.
            int[] queue = new int[count];
            boolean[] seen = new boolean[count];
            int head = 0;
            int tail = 0;
            queue[tail++] = 0;
            seen[0] = true;
            int base = nodeCount;
            ensureNodes(nodeCount + count);
            if (trees == roots.length) {
                roots = Arrays.copyOf(roots, trees * 2);
            }
            while (head < tail) {
                int old = queue[head];
                int at = base + head++;
                if (left[old] < 0) {
                    double[] p = leafProba[old];
                    if (p == null || p.length != classes) {
                        throw new IllegalArgumentException(tree + " leaf " + old + " has "
                                + (p == null ? "no" : String.valueOf(p.length)) + " class values, expected " + classes);
                    }
                    while (probaSize + classes > this.leafProba.length) {
                        this.leafProba = Arrays.copyOf(this.leafProba, this.leafProba.length * 2);
                    }
                    System.arraycopy(p, 0, this.leafProba, probaSize, classes);
                    nodes[2 * at] = probaSize;
                    nodes[2 * at + 1] = -1L << 32;
                    probaSize += classes;
                    continue;
                }
                int l = left[old];
                int r = right[old];
                if (l >= count || r < 0 || r >= count || seen[l] || seen[r] || l == r) {
                    throw new IllegalArgumentException(tree + " node " + old
                            + " has children outside the tree or shared with another node");
                }
                if (feature[old] < 0 || feature[old] >= features) {
                    throw new IllegalArgumentException(tree + " node " + old + " splits on feature " + feature[old]
                            + ", outside 0.." + (features - 1));
                }
                if (Double.isNaN(threshold[old])) {
                    throw new IllegalArgumentException(tree + " node " + old + " has no threshold");
                }
                seen[l] = true;
                seen[r] = true;
                int child = base + tail;
                queue[tail++] = l;
                queue[tail++] = r;
                nodes[2 * at] = Double.doubleToRawLongBits(threshold[old]);
                nodes[2 * at + 1] = (long) child << 32 | (long) feature[old] << 1 | (equality[old] ? 1 : 0);
            }
            roots[trees++] = base;
            nodeCount += tail;
            return this;
        }

        private void ensureNodes(int count) {
            if (2L * count > nodes.length) {
                nodes = Arrays.copyOf(nodes, Math.max(2 * count, nodes.length * 2));
            }
        }

        FlatForest build() {
            if (trees == 0) {
                throw new IllegalArgumentException("a forest needs at least one tree");
            }
            return new FlatForest(this);
        }
    }
}
