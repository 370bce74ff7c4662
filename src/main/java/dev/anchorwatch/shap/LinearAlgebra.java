package dev.anchorwatch.shap;

/**
 * The small dense linear algebra KernelSHAP needs: weighted normal equations of at most M - 1 unknowns, solved by
 * Cholesky, and a lasso path by coordinate descent for feature selection. Plain Java: the systems are M x M with M
 * the number of feature groups (12 for Adult), where a native tensor library costs more to call than to solve.
 */
final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /**
     * Solves {@code (X^T W X) b = X^T W y} for every column of y at once (one factorisation). When the matrix is not
     * positive definite (a column never varies among the coalitions), a ridge of 1e-10 x its mean diagonal is added,
     * and grown tenfold until the factorisation succeeds.
     *
     * @param x rows x p design, w row weights, y rows x k targets
     * @return p x k coefficients
     */
    static double[][] weightedLeastSquares(double[][] x, double[] w, double[][] y) {
        int n = x.length;
        int p = n == 0 ? 0 : x[0].length;
        int k = y.length == 0 ? 0 : y[0].length;
        double[][] a = new double[p][p];
        double[][] b = new double[p][k];
        for (int r = 0; r < n; r++) {
            double wr = w[r];
            if (wr == 0) {
                continue;
            }
            double[] xr = x[r];
            for (int i = 0; i < p; i++) {
                double xi = xr[i] * wr;
                if (xi == 0) {
                    continue;
                }
                for (int j = 0; j <= i; j++) {
                    a[i][j] += xi * xr[j];
                }
                for (int c = 0; c < k; c++) {
                    b[i][c] += xi * y[r][c];
                }
            }
        }
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < i; j++) {
                a[j][i] = a[i][j];
            }
        }
        double trace = 0;
        for (int i = 0; i < p; i++) {
            trace += a[i][i];
        }
        double ridge = 0;
        double base = p == 0 ? 0 : Math.max(trace / p, 1e-300) * 1e-10;
        for (int attempt = 0; attempt < 40; attempt++) {
            double[][] l = cholesky(a, ridge);
            if (l != null) {
                double[][] out = new double[p][k];
                double[] col = new double[p];
                for (int c = 0; c < k; c++) {
                    for (int i = 0; i < p; i++) {
                        col[i] = b[i][c];
                    }
                    double[] sol = choleskySolve(l, col);
                    for (int i = 0; i < p; i++) {
                        out[i][c] = sol[i];
                    }
                }
                return out;
            }
            ridge = ridge == 0 ? base : ridge * 10;
        }
        throw new ArithmeticException("the regression's normal equations cannot be solved");
    }

    /** Lower-triangular L with L L^T = A + ridge I, or null when that is not positive definite. */
    static double[][] cholesky(double[][] a, double ridge) {
        int p = a.length;
        double[][] l = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j] + (i == j ? ridge : 0);
                for (int m = 0; m < j; m++) {
                    s -= l[i][m] * l[j][m];
                }
                if (i == j) {
                    if (!(s > 1e-300) || !Double.isFinite(s)) {
                        return null;
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    static double[] choleskySolve(double[][] l, double[] b) {
        int p = l.length;
        double[] z = new double[p];
        for (int i = 0; i < p; i++) {
            double s = b[i];
            for (int m = 0; m < i; m++) {
                s -= l[i][m] * z[m];
            }
            z[i] = s / l[i][i];
        }
        double[] x = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = z[i];
            for (int m = i + 1; m < p; m++) {
                s -= l[m][i] * x[m];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }

    /**
     * Lasso {@code min (1/2n) ||y - X b||^2 + alpha ||b||_1} (no intercept) by cyclic coordinate descent from
     * {@code start}, until no coefficient moves by more than 1e-9 x the largest, or 10,000 sweeps.
     */
    static double[] lasso(double[][] x, double[] y, double alpha, double[] start) {
        int n = x.length;
        int p = x[0].length;
        double[] b = start.clone();
        double[] norm = new double[p];
        for (int j = 0; j < p; j++) {
            for (double[] r : x) {
                norm[j] += r[j] * r[j];
            }
            norm[j] /= n;
        }
        double[] resid = y.clone();
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < p; j++) {
                resid[r] -= x[r][j] * b[j];
            }
        }
        for (int sweep = 0; sweep < 10_000; sweep++) {
            double maxDelta = 0;
            double maxB = 0;
            for (int j = 0; j < p; j++) {
                if (norm[j] == 0) {
                    continue;
                }
                double rho = 0;
                for (int r = 0; r < n; r++) {
                    rho += x[r][j] * resid[r];
                }
                rho = rho / n + norm[j] * b[j];
                double nb = Math.signum(rho) * Math.max(Math.abs(rho) - alpha, 0) / norm[j];
                double delta = nb - b[j];
                if (delta != 0) {
                    for (int r = 0; r < n; r++) {
                        resid[r] -= x[r][j] * delta;
                    }
                    b[j] = nb;
                }
                maxDelta = Math.max(maxDelta, Math.abs(delta));
                maxB = Math.max(maxB, Math.abs(nb));
            }
            if (maxDelta <= 1e-9 * Math.max(maxB, 1e-12)) {
                break;
            }
        }
        return b;
    }

    /** The smallest alpha at which every lasso coefficient is zero: max_j |x_j . y| / n. */
    static double alphaMax(double[][] x, double[] y) {
        int p = x[0].length;
        double best = 0;
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int r = 0; r < x.length; r++) {
                s += x[r][j] * y[r];
            }
            best = Math.max(best, Math.abs(s) / x.length);
        }
        return best;
    }
}
