package dev.anchorwatch.anchor;

import java.util.List;

/**
 * What the search found.
 *
 * @param steps      the anchor's prefixes in insertion order (empty for the empty anchor)
 * @param precision  precision of the whole anchor (mean of its samples)
 * @param coverage   coverage of the whole anchor on the coverage set (1 for the empty anchor)
 * @param success    whether the anchor reached the precision threshold with confidence, covers part of the
 *                   coverage set, and (when validation is on) was confirmed on fresh samples
 * @param stopReason why the search ended: {@code "found"}, {@code "exhausted"} (no candidate reached the
 *                   threshold), {@code "max_samples"} or {@code "time_budget"} (a cap cut it short),
 *                   {@code "not_confirmed"} (the anchor found failed its check on fresh samples)
 * @param rounds     oracle calls made (each may become several predictor requests), validation included
 * @param samples    samples labelled by the oracle during the search (validation samples not included)
 * @param precisionLowerBound lower confidence bound of {@code precision} at the level the search used to call
 *                   an anchor valid (0 when the anchor has no samples)
 * @param validation the check on fresh samples, or null when none was made (validation off, empty anchor, or
 *                   nothing found)
 * @param warnings   what a reader should know about the anchor (e.g. {@code "zero_coverage"}); empty if nothing
 */
public record AnchorResult<S>(List<AnchorStep<S>> steps, double precision, double coverage, boolean success,
                              String stopReason, long rounds, long samples, double precisionLowerBound,
                              Validation validation, List<String> warnings) {
    public AnchorResult {
        steps = List.copyOf(steps);
        warnings = List.copyOf(warnings);
    }

    public int[] predicates() {
        return steps.stream().mapToInt(AnchorStep::predicate).toArray();
    }

    /**
     * Precision of the final anchor on samples drawn after the search chose it (free of the selection bias of
     * picking the best of many candidates).
     *
     * @param samples    fresh samples labelled
     * @param precision  share labelled like the instance
     * @param lowerBound lower confidence bound at level ln(1/delta)/samples
     * @param upperBound upper confidence bound at the same level
     * @param confirmed  true when {@code precision} is at least threshold − 0.05 and {@code upperBound} reaches
     *                   the threshold; false means the fresh samples show the anchor less precise than claimed
     */
    public record Validation(long samples, double precision, double lowerBound, double upperBound,
                             boolean confirmed) {
    }
}
