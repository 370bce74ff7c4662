package dev.anchorwatch.shap;

import java.util.Locale;
import java.util.Optional;

/** The space in which SHAP values are additive: the model's own outputs, or their log-odds. */
public enum Link {
    /** Explain the outputs as they are (probabilities or margins). */
    IDENTITY,
    /**
     * Explain log-odds {@code ln(p / (1 - p))} of probability outputs; p is clipped to
     * [{@value #EPSILON}, 1 - {@value #EPSILON}] so that a certain prediction stays finite.
     */
    LOGIT;

    /** Clipping of probabilities before the logit. */
    public static final double EPSILON = 1e-7;

    public double apply(double v) {
        if (this == IDENTITY) {
            return v;
        }
        double p = Math.min(1 - EPSILON, Math.max(EPSILON, v));
        return Math.log(p / (1 - p));
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Link> of(String s) {
        for (Link l : values()) {
            if (l.name().equalsIgnoreCase(s)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }
}
