package dev.anchorwatch.viewer;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the viewer reads explanations: PostgreSQL (full history, indexed queries) when that sink is enabled, or
 * a bounded in-memory store of recent explanations fed like a sink. Every list is newest first, paged by
 * {@link Cursor}; windows are {@code [from, to)}. Callers bound page sizes, window lengths and bucket counts
 * ({@link ViewerLimits}); stores may rely on that.
 */
public interface ExplanationStore {

    /** {@code memory} or {@code postgres}. */
    String kind();

    Page list(ExplanationFilter filter);

    Optional<StoredExplanation> get(String explanationId);

    /** Every explanation of one inference (one per explainer), newest first, at most {@code max}. */
    List<StoredExplanation> byInference(String inferenceId, int max);

    /**
     * @param explainer null for every explainer of the model
     * @param top       how many of the most frequent predicates to list
     */
    ModelStats stats(String model, String explainer, Instant from, Instant to, int top);

    /** {@code buckets} equal buckets from {@code from} to {@code to}, oldest first, empty ones included. */
    List<SeriesPoint> series(String model, String explainer, Instant from, Instant to, int buckets);

    /** Model names with at least one explanation, sorted, at most {@code max}. */
    List<String> models(int max);
}
