package dev.anchorwatch.viewer;

import java.time.Instant;

/**
 * One bucket {@code [start, start + width)} of a model's explanations over time: how many, how many found or
 * failed, median latency and mean predictor cost (null when the bucket has none). Immutable.
 */
public record SeriesPoint(Instant start, long total, long found, long failed, Double medianLatencyMs,
                          Double meanPredictorCalls, Double meanPredictorRows) {

    /** found / total, or null for an empty bucket. */
    public Double successRate() {
        return total == 0 ? null : (double) found / total;
    }
}
