package dev.anchorwatch.anchor;

import java.util.List;

/**
 * What the search found.
 *
 * @param steps      the anchor's prefixes in insertion order (empty for the empty anchor)
 * @param precision  precision of the whole anchor (mean of its samples)
 * @param coverage   coverage of the whole anchor on the coverage set (1 for the empty anchor)
 * @param success    whether the anchor reached the precision threshold with confidence
 * @param stopReason why the search ended: {@code "found"}, {@code "exhausted"} (no candidate reached the
 *                   threshold), {@code "max_samples"} or {@code "time_budget"} (a cap cut it short)
 * @param rounds     oracle calls made (each may become several predictor requests)
 * @param samples    samples labelled by the oracle
 */
public record AnchorResult<S>(List<AnchorStep<S>> steps, double precision, double coverage, boolean success,
                              String stopReason, long rounds, long samples) {
    public AnchorResult {
        steps = List.copyOf(steps);
    }

    public int[] predicates() {
        return steps.stream().mapToInt(AnchorStep::predicate).toArray();
    }
}
