package dev.anchorwatch.model;

/** Traffic counters of a predictor, for metrics and benchmarks. Both only grow. */
public interface PredictorStats {

    /** Requests made to the model: HTTP attempts (retries included) for remote models, calls for in-process ones. */
    long requests();

    /** Instances sent to the model, counted once per request that carried them (so retries count again). */
    long rowsSent();
}
