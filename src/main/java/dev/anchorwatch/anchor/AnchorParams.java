package dev.anchorwatch.anchor;

import java.time.Duration;

/**
 * Parameters of the Anchors search. Defaults are those of the reference implementation; the two caps are ours.
 *
 * @param threshold       precision an anchor must reach (default 0.95)
 * @param delta           significance of the confidence bounds (default 0.1)
 * @param tau             KL-LUCB tolerance: stop when the bound gap is below it (default 0.15)
 * @param batchSize       samples drawn per arm per round (default 100)
 * @param coverageSamples size of the fixed coverage set (default 10,000)
 * @param beamSize        anchors kept per level (default 1)
 * @param maxAnchorSize   most predicates in an anchor; 0 means no limit (default 0)
 * @param minSamplesStart samples drawn for the empty anchor before anything else (default 100)
 * @param nCoveredExamples examples kept per anchor prefix and label (default 10)
 * @param stopOnFirst     return the first valid anchor instead of the widest (default false)
 * @param maxSamples      cap on samples labelled by the model in one search; 0 means no cap (default 0)
 * @param timeBudget      cap on wall time of one search; {@link Duration#ZERO} means no cap (default zero)
 * @param validationSamples fresh samples drawn for a found non-empty anchor before it is called a success: it
 *                        is confirmed when their precision is at least threshold − 0.05 and its upper
 *                        confidence bound reaches the threshold; 0 skips the check (default 100)
 */
public record AnchorParams(
        double threshold,
        double delta,
        double tau,
        int batchSize,
        int coverageSamples,
        int beamSize,
        int maxAnchorSize,
        int minSamplesStart,
        int nCoveredExamples,
        boolean stopOnFirst,
        long maxSamples,
        Duration timeBudget,
        int validationSamples) {

    public static final AnchorParams DEFAULTS =
            new AnchorParams(0.95, 0.1, 0.15, 100, 10_000, 1, 0, 100, 10, false, 0, Duration.ZERO, 100);

    public AnchorParams {
        require(threshold > 0 && threshold <= 1, "threshold must be in (0, 1]");
        require(delta > 0 && delta < 1, "delta must be in (0, 1)");
        require(tau > 0 && tau < 1, "tau must be in (0, 1)");
        require(batchSize >= 1, "batch_size must be >= 1");
        require(coverageSamples >= 1, "coverage_samples must be >= 1");
        require(beamSize >= 1, "beam_size must be >= 1");
        require(maxAnchorSize >= 0, "max_anchor_size must be >= 0 (0 = unlimited)");
        require(minSamplesStart >= 1, "min_samples_start must be >= 1");
        require(nCoveredExamples >= 0, "n_covered_ex must be >= 0");
        require(maxSamples >= 0, "max_samples must be >= 0 (0 = unlimited)");
        require(timeBudget != null && !timeBudget.isNegative(), "time budget must be >= 0 (0 = unlimited)");
        require(validationSamples >= 0, "validation_samples must be >= 0 (0 = no check)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public AnchorParams withThreshold(double v) {
        return new AnchorParams(v, delta, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withDelta(double v) {
        return new AnchorParams(threshold, v, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withTau(double v) {
        return new AnchorParams(threshold, delta, v, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withBatchSize(int v) {
        return new AnchorParams(threshold, delta, tau, v, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withCoverageSamples(int v) {
        return new AnchorParams(threshold, delta, tau, batchSize, v, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withBeamSize(int v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, v, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withMaxAnchorSize(int v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, beamSize, v,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withMinSamplesStart(int v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                v, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withNCoveredExamples(int v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, v, stopOnFirst, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withStopOnFirst(boolean v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, v, maxSamples, timeBudget, validationSamples);
    }

    public AnchorParams withMaxSamples(long v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, v, timeBudget, validationSamples);
    }

    public AnchorParams withTimeBudget(Duration v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, v, validationSamples);
    }

    public AnchorParams withValidationSamples(int v) {
        return new AnchorParams(threshold, delta, tau, batchSize, coverageSamples, beamSize, maxAnchorSize,
                minSamplesStart, nCoveredExamples, stopOnFirst, maxSamples, timeBudget, v);
    }
}
