package dev.anchorwatch.explain;

import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The {@code tabular:} section of an AnchorTabular spec: how the explainer saves predictor calls.
 *
 * @param predictionCacheBytes bound on the bytes of the model's labels kept for reuse across explanations
 *                             (training rows and samples); 0 turns the cache (and {@code trainingLabels}) off
 *                             (default 32 MiB)
 * @param trainingLabels       fetch the model's labels of every training row once, on the first explanation of
 *                             the explainer (one model version), so that perturbations equal to a training row need
 *                             no call; skipped when the training rows do not fit in the cache (default true)
 */
public record TabularOptions(long predictionCacheBytes, boolean trainingLabels) {
    public static final long DEFAULT_CACHE_BYTES = 32L << 20;
    public static final TabularOptions DEFAULTS = new TabularOptions(DEFAULT_CACHE_BYTES, true);
    private static final Set<String> KEYS = Set.of("prediction_cache_bytes", "training_labels");

    public static TabularOptions parse(ExplainerSpec spec) {
        return parse(spec.typeOptions(), spec.origin());
    }

    static TabularOptions parse(ObjectNode node, String origin) {
        SpecFields r = new SpecFields(node, "tabular", origin, KEYS);
        long bytes = r.longValue("prediction_cache_bytes", DEFAULT_CACHE_BYTES);
        if (bytes < 0) {
            throw new SpecException(origin, "tabular.prediction_cache_bytes", "must be >= 0 (0 = no cache), got "
                    + bytes);
        }
        return new TabularOptions(bytes, r.bool("training_labels", true));
    }
}
