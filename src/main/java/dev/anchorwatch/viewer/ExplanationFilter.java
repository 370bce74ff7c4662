package dev.anchorwatch.viewer;

import java.time.Instant;
import java.util.List;

/**
 * Which explanations a list shows. Every criterion is optional (null or empty: no restriction); criteria combine
 * with AND. Immutable.
 *
 * @param model       the model name
 * @param explainer   the explainer, e.g. {@code AnchorTabular}
 * @param inferenceId the inference id
 * @param from        created at or after (inclusive)
 * @param to          created before (exclusive)
 * @param outcome     found, not found or failed
 * @param mismatch    true: only explanations whose served prediction differs from the explained one; false: only
 *                    those where both are known and agree
 * @param predicates  predicates the anchor must all contain, exactly as printed (e.g. {@code Sex = Female})
 * @param limit       page size, at least 1
 * @param after       continue after this place (from the previous page), or null for the first page
 */
public record ExplanationFilter(String model, String explainer, String inferenceId, Instant from, Instant to,
                                Outcome outcome, Boolean mismatch, List<String> predicates, int limit,
                                Cursor after) {

    public ExplanationFilter {
        predicates = predicates == null ? List.of() : List.copyOf(predicates);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("'from' must be before 'to'");
        }
    }

    /** Whether one explanation passes every criterion but the page bounds. */
    public boolean matches(ExplanationSummary s) {
        return (model == null || model.equals(s.model()))
                && (explainer == null || explainer.equals(s.explainer()))
                && (inferenceId == null || inferenceId.equals(s.inferenceId()))
                && (from == null || !s.createdAt().isBefore(from))
                && (to == null || s.createdAt().isBefore(to))
                && (outcome == null || outcome == s.outcome())
                && (mismatch == null || mismatch.equals(s.mismatch()))
                && s.anchor().containsAll(predicates);
    }
}
