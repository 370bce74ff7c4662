package dev.anchorwatch.viewer;

import java.time.Duration;

/**
 * Bounds on what one query may ask for, so no request makes the service or the database do unbounded work.
 *
 * @param defaultPageSize explanations per page when the request names none (default 50)
 * @param maxPageSize     the most explanations one page may hold (default 200)
 * @param maxWindow       the longest window a statistics or series query may cover (default 31 days)
 * @param maxBuckets      the most buckets a series may have (default 200)
 * @param maxTop          the most predicates a statistics answer may list (default 50)
 */
public record ViewerLimits(int defaultPageSize, int maxPageSize, Duration maxWindow, int maxBuckets, int maxTop) {

    public static final ViewerLimits DEFAULTS = new ViewerLimits(50, 200, Duration.ofDays(31), 200, 50);

    public ViewerLimits {
        if (maxPageSize < 1 || defaultPageSize < 1 || defaultPageSize > maxPageSize) {
            throw new IllegalArgumentException("page sizes must satisfy 1 <= default-page-size <= max-page-size");
        }
        if (maxWindow.isNegative() || maxWindow.isZero()) {
            throw new IllegalArgumentException("max-window must be positive");
        }
        if (maxBuckets < 1 || maxTop < 1) {
            throw new IllegalArgumentException("max-buckets and max-top must be at least 1");
        }
    }
}
