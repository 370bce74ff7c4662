package dev.anchorwatch.tabular;

/**
 * One elementary condition on one feature: {@code x = value} (a category code), {@code x <= value} or
 * {@code x > value} (a discretizer edge).
 */
public record TabularPredicate(int feature, Kind kind, double value) {

    public enum Kind {
        /** Categorical: equal to a category code. */
        EQ,
        /** Numeric: at or below an edge. */
        LEQ,
        /** Numeric: strictly above an edge. */
        GT
    }

    public TabularPredicate {
        if (feature < 0) {
            throw new IllegalArgumentException("feature index must be >= 0");
        }
        if (kind == null) {
            throw new IllegalArgumentException("kind is missing");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("predicate value must be finite");
        }
    }

    public boolean test(double x) {
        return switch (kind) {
            case EQ -> x == value;
            case LEQ -> x <= value;
            case GT -> x > value;
        };
    }

    /** True iff {@code row[feature()]} satisfies the predicate. */
    public boolean test(double[] row) {
        return test(row[feature]);
    }
}
