package dev.anchorwatch.publish;

/**
 * Told about every hand-over of an explanation to one sink, for metrics and tracing; the wiring passes one in,
 * this package stays free of any metrics library. Implementations must be thread-safe and quick.
 */
public interface SinkObserver {

    /** Observes nothing. */
    SinkObserver NONE = new SinkObserver() {
        @Override
        public void published(String sink, long nanos, Throwable error) {
        }
    };

    /** A hand-over to {@code sink} starts; the returned scope is closed when it ends (e.g. a tracing span). */
    default AutoCloseable started(String sink, ExplanationRecord record) {
        return () -> { };
    }

    /**
     * @param nanos from the hand-over to the sink's acknowledgement or failure (timeouts included)
     * @param error null when the sink took the explanation
     */
    void published(String sink, long nanos, Throwable error);
}
