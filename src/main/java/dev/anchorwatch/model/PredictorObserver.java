package dev.anchorwatch.model;

/**
 * Told about every batch a predictor answered or failed, for metrics and tracing; the service passes one in, the
 * model package stays free of any metrics library. Implementations must be thread-safe and quick.
 */
public interface PredictorObserver {

    /** Observes nothing. */
    PredictorObserver NONE = new PredictorObserver() {
        @Override
        public void completed(String model, int rows, long nanos, Throwable error) {
        }
    };

    /** A call is about to start; the returned scope is closed when it ends (e.g. a tracing span). */
    default AutoCloseable started(String model, int rows) {
        return () -> { };
    }

    /**
     * One {@link Predictor#predict} call ended.
     *
     * @param rows  instances in the batch
     * @param nanos from the call to its answer
     * @param error null when the predictor answered
     */
    void completed(String model, int rows, long nanos, Throwable error);
}
