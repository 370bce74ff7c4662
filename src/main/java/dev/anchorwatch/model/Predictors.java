package dev.anchorwatch.model;

import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/** Factories for the predictors of this package. */
public final class Predictors {
    private Predictors() {
    }

    /** An HTTP client for the configured protocol, with a fresh per-client jitter source. */
    public static HttpPredictor http(PredictorConfig config) {
        return http(config, null);
    }

    /** An HTTP client for the configured protocol; {@code jitter} (may be null) drives backoff jitter. */
    public static HttpPredictor http(PredictorConfig config, RandomGenerator jitter) {
        return switch (config.protocol()) {
            case V1 -> new KServeV1Predictor(config, jitter);
            case V2 -> new OpenInferenceV2Predictor(config, jitter);
        };
    }

    /** A classifier evaluated on the calling thread. */
    public static InProcessPredictor inProcess(Classifier classifier) {
        return new InProcessPredictor(classifier);
    }

    /** A classifier evaluated on {@code executor}. */
    public static InProcessPredictor inProcess(Classifier classifier, Executor executor) {
        return new InProcessPredictor(classifier, executor);
    }

    /** A text classifier evaluated on the calling thread. */
    public static InProcessTextPredictor inProcess(TextClassifier classifier) {
        return new InProcessTextPredictor(classifier);
    }
}
