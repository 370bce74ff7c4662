package dev.anchorwatch.anchor;

import java.util.List;

/**
 * One prefix of the anchor, in insertion order: the predicate added, and precision and coverage of the prefix
 * ending with it, with examples from its samples.
 */
public record AnchorStep<S>(int predicate, double precision, double coverage, long samples,
                            List<S> coveredTrue, List<S> coveredFalse) {
    public AnchorStep {
        coveredTrue = List.copyOf(coveredTrue);
        coveredFalse = List.copyOf(coveredFalse);
    }
}
