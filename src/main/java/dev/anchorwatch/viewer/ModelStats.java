package dev.anchorwatch.viewer;

import java.time.Instant;
import java.util.List;

/**
 * One model's explanations in one time window {@code [from, to)}. Medians and the 95th percentile interpolate
 * linearly between neighbours (PostgreSQL's {@code percentile_cont}), over the explanations that have the value:
 * precision and coverage over found and not-found explanations (a failure has neither), latency and predictor
 * cost over all that recorded them. Null when nothing has the value. Immutable.
 *
 * @param successRate        found / total, or null when the window is empty
 * @param topPredicates      the predicates found most often in anchors, most frequent first (ties by text)
 */
public record ModelStats(String model, String explainer, Instant from, Instant to, long total, long found,
                         long notFound, long failed, Double successRate, Double medianPrecision,
                         Double medianCoverage, Double medianLatencyMs, Double p95LatencyMs,
                         Double meanPredictorCalls, Double meanPredictorRows, long totalPredictorRows,
                         List<PredicateCount> topPredicates) {

    public ModelStats {
        topPredicates = List.copyOf(topPredicates);
    }

    /** How many anchors (found or not) contained a predicate. */
    public record PredicateCount(String predicate, long count) {
    }
}
