package dev.anchorwatch.explain;

/**
 * Told about every explanation of one instance that the {@link ExplanationService} ran, for metrics; the service
 * passes one in, this package stays free of any metrics library. Implementations must be thread-safe and quick.
 */
public interface ExplanationObserver {

    /** How an explanation ended. */
    enum Outcome {
        /** an anchor reaching the precision threshold was found */
        FOUND,
        /** the search ended without a valid anchor (the best candidate is reported, {@code success: false}) */
        NOT_FOUND,
        /** no explanation: bad input, predictor trouble, or an unexpected error */
        FAILED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Observes nothing. */
    ExplanationObserver NONE = (model, explainer, outcome, nanos) -> { };

    /**
     * @param model     the model's name
     * @param explainer the explainer type's label (e.g. {@code AnchorTabular})
     * @param nanos     from the start of the explanation (not the time it waited for a worker) to its end
     */
    void explained(String model, String explainer, Outcome outcome, long nanos);

    /**
     * An explanation of {@code model} that ended with an answer needed {@code rows} (possibly 0) rows that other
     * explanations of the model had already labelled (a tabular model's shared samples): counted in its cost, not
     * sent. Told on the explanation's thread, while its {@link #started} scope is open.
     */
    default void reused(String model, long rows) {
    }

    /**
     * The executor explanations submitted from the calling thread run on; a tracing observer wraps {@code pool} so
     * that they run in the caller's trace. Must keep the pool's refusals (RejectedExecutionException).
     */
    default java.util.concurrent.Executor executor(java.util.concurrent.Executor pool) {
        return pool;
    }

    /** One explanation starts on this thread; the returned scope is closed on the same thread when it ends. */
    default AutoCloseable started(String model, String explainer) {
        return () -> { };
    }
}
