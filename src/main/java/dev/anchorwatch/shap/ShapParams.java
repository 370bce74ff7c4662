package dev.anchorwatch.shap;

import java.time.Duration;

/**
 * Parameters of one KernelSHAP explanation. Defaults are the reference's where it has one; the caps are ours.
 *
 * @param nsamples     coalitions to evaluate; 0 means {@code 2 * M + 2048} (M = varying feature groups), as the
 *                     reference; never more than the {@code 2^M - 2} that exist (default 0)
 * @param link         the space the values add up in (default identity)
 * @param l1Reg        feature selection (default auto)
 * @param maxRows      cap on rows sent to the model in one explanation (instance, background, coalitions x
 *                     background); when nsamples would exceed it, fewer coalitions are evaluated and the result
 *                     says {@code max_rows}; 0 means no cap (default 0)
 * @param timeBudget   cap on wall time: no further round starts once it has passed, and the regression uses the
 *                     coalitions evaluated so far ({@code time_budget}); zero means no cap (default zero)
 * @param rowsPerRound rows handed to the model at once (coalitions x background, rounded down to whole
 *                     coalitions, at least one); bounds memory and sets how often the time budget is checked
 *                     (default 65,536)
 */
public record ShapParams(long nsamples, Link link, L1Reg l1Reg, long maxRows, Duration timeBudget, int rowsPerRound) {

    public static final int DEFAULT_ROWS_PER_ROUND = 65_536;
    public static final ShapParams DEFAULTS = new ShapParams(0, Link.IDENTITY, L1Reg.AUTO, 0, Duration.ZERO,
            DEFAULT_ROWS_PER_ROUND);

    public ShapParams {
        if (nsamples < 0) {
            throw new IllegalArgumentException("nsamples must be >= 0 (0 = auto: 2 * M + 2048)");
        }
        if (link == null || l1Reg == null) {
            throw new IllegalArgumentException("link and l1_reg are required");
        }
        if (maxRows < 0) {
            throw new IllegalArgumentException("max_rows must be >= 0 (0 = unlimited)");
        }
        if (timeBudget == null || timeBudget.isNegative()) {
            throw new IllegalArgumentException("time budget must be >= 0 (0 = unlimited)");
        }
        if (rowsPerRound < 1) {
            throw new IllegalArgumentException("rows_per_round must be >= 1");
        }
    }

    public ShapParams withNsamples(long n) {
        return new ShapParams(n, link, l1Reg, maxRows, timeBudget, rowsPerRound);
    }

    public ShapParams withLink(Link l) {
        return new ShapParams(nsamples, l, l1Reg, maxRows, timeBudget, rowsPerRound);
    }

    public ShapParams withL1Reg(L1Reg r) {
        return new ShapParams(nsamples, link, r, maxRows, timeBudget, rowsPerRound);
    }

    public ShapParams withMaxRows(long m) {
        return new ShapParams(nsamples, link, l1Reg, m, timeBudget, rowsPerRound);
    }

    public ShapParams withRowsPerRound(int r) {
        return new ShapParams(nsamples, link, l1Reg, maxRows, timeBudget, r);
    }
}
