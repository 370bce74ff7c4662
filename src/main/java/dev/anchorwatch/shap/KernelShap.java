package dev.anchorwatch.shap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * KernelSHAP for one instance of a black-box model (Lundberg and Lee 2017, the reference KernelExplainer's
 * sampling). See the package documentation for the method; this class adds the caps and the batching: the instance
 * and the background go to the model in the first round together with the first coalitions, and coalitions x
 * background rows go in rounds of at most {@link ShapParams#rowsPerRound()} rows, so the predictor can split each
 * round into as few requests as its row limit allows.
 */
public final class KernelShap {

    /** The black box: rows in, one vector of outputs (class probabilities, margins or a value) per row out. */
    @FunctionalInterface
    public interface Model {
        double[][] outputs(double[][] rows);
    }

    private KernelShap() {
    }

    /**
     * Explains {@code x}.
     *
     * @param x          the instance, one value per column
     * @param model      the model; called from this thread, once per round
     * @param background where absent groups take their values from
     * @param groups     the groups of columns explained together
     * @param params     sample count, link, selection, caps
     * @param rng        the only source of randomness (coalition sampling)
     * @throws IllegalArgumentException when the instance, background and groups disagree on columns, the row cap
     *                                  leaves no room for one coalition, or the model answers with ragged or non-finite
     *                                  outputs
     */
    public static ShapResult explain(double[] x, Model model, Background background, FeatureGroups groups,
                                     ShapParams params, SplittableRandom rng) {
        long start = System.nanoTime();
        int cols = x.length;
        if (background.columns() != cols || groups.columnCount() != cols) {
            throw new IllegalArgumentException("the instance has " + cols + " values, the background "
                    + background.columns() + " columns and the groups " + groups.columnCount() + " columns");
        }
        int n = background.size();
        int g = groups.size();
        // groups whose value in x differs from some background row: the others cannot matter and get 0
        int[] varying = varyingGroups(x, background, groups);
        int m = varying.length;

        long nsamples = 0;
        String stopReason = "completed";
        if (m >= 2) {
            nsamples = params.nsamples() > 0 ? params.nsamples() : 2L * m + 2048;
            nsamples = Math.min(nsamples, Coalitions.maxSamples(m));
            if (params.maxRows() > 0) {
                long room = (params.maxRows() - 1 - n) / n;
                if (room < 1) {
                    throw new IllegalArgumentException("max_rows " + params.maxRows() + " leaves no room for one "
                            + "coalition: the instance and " + n + " background rows need " + (1 + n)
                            + ", each coalition " + n + " more");
                }
                if (room < nsamples) {
                    nsamples = room;
                    stopReason = "max_rows";
                }
            }
        }
        Coalitions coalitions = Coalitions.build(m, nsamples, rng);
        int k = coalitions.size();
        long perRound = Math.max(1, params.rowsPerRound() / n);
        double[][] ey = new double[k][];
        double totalWeight = 0;
        for (int b = 0; b < n; b++) {
            totalWeight += background.weight(b);
        }

        // round 0: the instance, the background, and the first coalitions
        int done = 0;
        int rounds = 0;
        long rows = 0;
        double[] fx = null;
        double[] fnull = null;
        int outputs = -1;
        Duration budget = params.timeBudget();
        while (rounds == 0 || done < k) {
            int first = done;
            int last = (int) Math.min(k, done + perRound);
            boolean withBase = rounds == 0;
            int batchRows = (withBase ? 1 + n : 0) + (last - first) * n;
            double[][] batch = new double[batchRows][];
            int r = 0;
            if (withBase) {
                batch[r++] = x.clone();
                for (int b = 0; b < n; b++) {
                    batch[r++] = background.row(b);
                }
            }
            for (int c = first; c < last; c++) {
                BitSet mask = coalitions.masks.get(c);
                for (int b = 0; b < n; b++) {
                    double[] row = background.row(b);
                    for (int i = mask.nextSetBit(0); i >= 0; i = mask.nextSetBit(i + 1)) {
                        for (int col : groups.columnsUnsafe(varying[i])) {
                            row[col] = x[col];
                        }
                    }
                    batch[r++] = row;
                }
            }
            double[][] out = model.outputs(batch);
            rounds++;
            rows += batchRows;
            if (out == null || out.length != batchRows) {
                throw new IllegalArgumentException("the model returned " + (out == null ? 0 : out.length)
                        + " outputs for " + batchRows + " rows");
            }
            if (outputs < 0) {
                outputs = out[0] == null ? 0 : out[0].length;
                if (outputs == 0) {
                    throw new IllegalArgumentException("the model returned an empty output vector");
                }
            }
            for (int i = 0; i < out.length; i++) {
                if (out[i] == null || out[i].length != outputs) {
                    throw new IllegalArgumentException("the model returned " + (out[i] == null ? 0 : out[i].length)
                            + " outputs for row " + i + " but " + outputs + " for row 0");
                }
                for (double v : out[i]) {
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException("the model returned a non-finite output: " + v);
                    }
                }
            }
            r = 0;
            if (withBase) {
                fx = out[r++].clone();
                fnull = new double[outputs];
                for (int b = 0; b < n; b++) {
                    double[] o = out[r++];
                    for (int d = 0; d < outputs; d++) {
                        fnull[d] += background.weight(b) * o[d];
                    }
                }
                for (int d = 0; d < outputs; d++) {
                    fnull[d] /= totalWeight;
                }
            }
            for (int c = first; c < last; c++) {
                double[] mean = new double[outputs];
                for (int b = 0; b < n; b++) {
                    double[] o = out[r++];
                    for (int d = 0; d < outputs; d++) {
                        mean[d] += background.weight(b) * o[d];
                    }
                }
                for (int d = 0; d < outputs; d++) {
                    mean[d] /= totalWeight;
                }
                ey[c] = mean;
            }
            done = last;
            if (done < k && !budget.isZero() && System.nanoTime() - start >= budget.toNanos()) {
                stopReason = "time_budget";
                break;
            }
        }

        Link link = params.link();
        double[][] phi = new double[outputs][g];
        double[] expected = new double[outputs];
        for (int d = 0; d < outputs; d++) {
            expected[d] = link.apply(fnull[d]);
        }
        boolean regularised = false;
        if (m == 1) {
            for (int d = 0; d < outputs; d++) {
                phi[d][varying[0]] = link.apply(fx[d]) - expected[d];
            }
        } else if (m >= 2 && done > 0) {
            regularised = solve(coalitions, done, ey, fx, expected, link, varying, m, params.l1Reg(), phi);
        }
        return new ShapResult(phi, expected, fx, m, nsamples, done, rows, rounds, regularised, stopReason);
    }

    static int[] varyingGroups(double[] x, Background background, FeatureGroups groups) {
        List<Integer> out = new ArrayList<>();
        for (int grp = 0; grp < groups.size(); grp++) {
            boolean varies = false;
            for (int b = 0; b < background.size() && !varies; b++) {
                for (int col : groups.columnsUnsafe(grp)) {
                    double v = background.value(b, col);
                    if (!(v == x[col] || (Double.isNaN(v) && Double.isNaN(x[col])))) {
                        varies = true;
                        break;
                    }
                }
            }
            if (varies) {
                out.add(grp);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Fills phi for the varying groups; returns whether an L1 selection ran. */
    private static boolean solve(Coalitions coalitions, int k, double[][] ey, double[] fx, double[] expected,
                                 Link link, int[] varying, int m, L1Reg l1, double[][] phi) {
        double[][] z = new double[k][m];
        double[] w = new double[k];
        for (int c = 0; c < k; c++) {
            BitSet mask = coalitions.masks.get(c);
            for (int i = mask.nextSetBit(0); i >= 0; i = mask.nextSetBit(i + 1)) {
                z[c][i] = 1;
            }
            w[c] = coalitions.weights.get(c);
        }
        boolean regularise = switch (l1.kind()) {
            case NONE -> false;
            case AUTO -> (double) k / Coalitions.maxSamples(m) < 0.2;
            default -> true;
        };
        L1Reg rule = l1.kind() == L1Reg.Kind.AUTO ? new L1Reg(L1Reg.Kind.AIC, 0, 0) : l1;
        for (int d = 0; d < expected.length; d++) {
            double total = link.apply(fx[d]) - expected[d];
            double[] y = new double[k];
            for (int c = 0; c < k; c++) {
                y[c] = link.apply(ey[c][d]) - expected[d];
            }
            int[] selected;
            if (regularise) {
                selected = Selection.select(z, w, y, total, rule);
            } else {
                selected = new int[m];
                for (int i = 0; i < m; i++) {
                    selected[i] = i;
                }
            }
            if (selected.length == 0) {
                continue;
            }
            int lastSel = selected[selected.length - 1];
            if (selected.length == 1) {
                phi[d][varying[lastSel]] = total;
                continue;
            }
            int p = selected.length - 1;
            double[][] xs = new double[k][p];
            double[][] ys = new double[k][1];
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < p; j++) {
                    xs[c][j] = z[c][selected[j]] - z[c][lastSel];
                }
                ys[c][0] = y[c] - z[c][lastSel] * total;
            }
            double[][] beta = LinearAlgebra.weightedLeastSquares(xs, w, ys);
            double sum = 0;
            for (int j = 0; j < p; j++) {
                phi[d][varying[selected[j]]] = beta[j][0];
                sum += beta[j][0];
            }
            phi[d][varying[lastSel]] = total - sum;
        }
        return regularise;
    }

    /** Feature selection on the coalitions, with the efficiency constraint folded in as the reference does. */
    static final class Selection {
        private Selection() {
        }

        static int[] select(double[][] z, double[] w, double[] y, double total, L1Reg rule) {
            int k = z.length;
            int m = z[0].length;
            // each coalition twice: as itself, weighted by the group count outside it, and as its difference from
            // the full coalition (whose value is known: total), weighted by its size
            double[][] xa = new double[2 * k][m];
            double[] ya = new double[2 * k];
            for (int c = 0; c < k; c++) {
                int size = 0;
                for (double v : z[c]) {
                    size += (int) v;
                }
                double s1 = Math.sqrt(w[c] * (m - size));
                double s2 = Math.sqrt(w[c] * size);
                for (int j = 0; j < m; j++) {
                    xa[c][j] = s1 * z[c][j];
                    xa[k + c][j] = s2 * (z[c][j] - 1);
                }
                ya[c] = s1 * y[c];
                ya[k + c] = s2 * (y[c] - total);
            }
            if (rule.kind() == L1Reg.Kind.ALPHA) {
                return nonZero(LinearAlgebra.lasso(xa, ya, rule.alpha(), new double[m]));
            }
            double amax = LinearAlgebra.alphaMax(xa, ya);
            if (!(amax > 0)) {
                return new int[0];
            }
            int steps = 60;
            double[] b = new double[m];
            int[] entered = new int[m];
            Arrays.fill(entered, Integer.MAX_VALUE);
            double bestIc = Double.POSITIVE_INFINITY;
            int[] best = new int[0];
            int n = xa.length;
            for (int s = 1; s <= steps; s++) {
                double alpha = amax * Math.pow(1e-4, (double) s / steps);
                b = LinearAlgebra.lasso(xa, ya, alpha, b);
                for (int j = 0; j < m; j++) {
                    if (b[j] != 0 && entered[j] == Integer.MAX_VALUE) {
                        entered[j] = s;
                    }
                }
                if (rule.kind() == L1Reg.Kind.NUM_FEATURES) {
                    if (count(entered) >= rule.k()) {
                        break;
                    }
                    continue;
                }
                double rss = 0;
                for (int r = 0; r < n; r++) {
                    double e = ya[r];
                    for (int j = 0; j < m; j++) {
                        e -= xa[r][j] * b[j];
                    }
                    rss += e * e;
                }
                int[] nz = nonZero(b);
                double penalty = rule.kind() == L1Reg.Kind.BIC ? Math.log(n) : 2;
                double ic = n * Math.log(Math.max(rss, 1e-300) / n) + penalty * nz.length;
                if (ic < bestIc) {
                    bestIc = ic;
                    best = nz;
                }
            }
            if (rule.kind() != L1Reg.Kind.NUM_FEATURES) {
                return best;
            }
            // the first k to enter the path; ties by the size of their coefficient at the end
            Integer[] order = new Integer[m];
            for (int j = 0; j < m; j++) {
                order[j] = j;
            }
            double[] fin = b;
            Arrays.sort(order, (p, q) -> entered[p] != entered[q] ? Integer.compare(entered[p], entered[q])
                    : Double.compare(Math.abs(fin[q]), Math.abs(fin[p])));
            int keep = Math.min(rule.k(), m);
            int[] out = new int[keep];
            for (int i = 0; i < keep; i++) {
                out[i] = order[i];
            }
            Arrays.sort(out);
            return out;
        }

        private static int count(int[] entered) {
            int c = 0;
            for (int e : entered) {
                c += e != Integer.MAX_VALUE ? 1 : 0;
            }
            return c;
        }

        private static int[] nonZero(double[] b) {
            return java.util.stream.IntStream.range(0, b.length).filter(j -> b[j] != 0).toArray();
        }
    }
}
