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
 * @param sharedSamples        draw each anchor's samples from a stream keyed by the anchor and {@code samplesSeed},
 *                             not by the explanation's seed, so that explanations of the model that test the same
 *                             anchor test the same samples and the cache labels them once (default true; false:
 *                             every explanation draws its own, as the reference does)
 * @param samplesSeed          the keyed streams' seed; null (the default) derives it from the explainer's name, so
 *                             every replica draws the same samples
 */
public record TabularOptions(long predictionCacheBytes, boolean trainingLabels, boolean sharedSamples,
                             Long samplesSeed) {
    public static final long DEFAULT_CACHE_BYTES = 32L << 20;
    public static final TabularOptions DEFAULTS = new TabularOptions(DEFAULT_CACHE_BYTES, true, true, null);
    private static final Set<String> KEYS = Set.of("prediction_cache_bytes", "training_labels", "shared_samples",
            "samples_seed");

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
        Long seed = r.has("samples_seed") ? r.longValue("samples_seed", 0) : null;
        return new TabularOptions(bytes, r.bool("training_labels", true), r.bool("shared_samples", true), seed);
    }
}
