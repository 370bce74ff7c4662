package dev.anchorwatch.shap;

import java.util.Locale;

/**
 * Feature selection before the constrained regression, for many features and few samples. As the reference
 * KernelExplainer's {@code l1_reg}: {@code auto} selects with AIC only when fewer than 20 % of all coalitions are
 * evaluated, {@code aic}/{@code bic} pick the lasso-path point with the smallest criterion,
 * {@code num_features(k)} keeps the first k features to enter the lasso path, a number in (0, 1) is a fixed lasso
 * penalty, and {@code false} keeps every varying feature.
 *
 * @param kind  which rule
 * @param k     features kept ({@link Kind#NUM_FEATURES})
 * @param alpha lasso penalty ({@link Kind#ALPHA})
 */
public record L1Reg(Kind kind, int k, double alpha) {

    public enum Kind { AUTO, NONE, AIC, BIC, NUM_FEATURES, ALPHA }

    public static final L1Reg AUTO = new L1Reg(Kind.AUTO, 0, 0);
    public static final L1Reg NONE = new L1Reg(Kind.NONE, 0, 0);

    public L1Reg {
        if (kind == Kind.NUM_FEATURES && k < 1) {
            throw new IllegalArgumentException("num_features(k) needs k >= 1");
        }
        if (kind == Kind.ALPHA && !(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("an l1_reg penalty must be in (0, 1)");
        }
    }

    /**
     * Parses {@code auto}, {@code false}/{@code none}, {@code aic}, {@code bic}, {@code num_features(k)}, an
     * integer k (same as num_features(k)) or a penalty in (0, 1).
     */
    public static L1Reg parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto": return AUTO;
            case "false": case "none": case "off": return NONE;
            case "aic": return new L1Reg(Kind.AIC, 0, 0);
            case "bic": return new L1Reg(Kind.BIC, 0, 0);
            default:
        }
        var m = java.util.regex.Pattern.compile("num_features\\((\\d+)\\)").matcher(s);
        if (m.matches()) {
            return new L1Reg(Kind.NUM_FEATURES, Integer.parseInt(m.group(1)), 0);
        }
        if (s.matches("\\d+")) {
            return new L1Reg(Kind.NUM_FEATURES, Integer.parseInt(s), 0);
        }
        try {
            return new L1Reg(Kind.ALPHA, 0, Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("l1_reg must be auto, false, aic, bic, num_features(k), an integer k"
                    + " or a penalty in (0, 1), got '" + text + "'");
        }
    }

    public String label() {
        return switch (kind) {
            case AUTO -> "auto";
            case NONE -> "false";
            case AIC -> "aic";
            case BIC -> "bic";
            case NUM_FEATURES -> "num_features(" + k + ")";
            case ALPHA -> Double.toString(alpha);
        };
    }
}
