package dev.anchorwatch.ingest;

/**
 * Told how every delivered event ended, for metrics; the wiring passes one in. Thread-safe and quick.
 * Tags are low-cardinality words, never payloads or ids.
 */
public interface IngressObserver {

    /** Where an event came from. */
    String HTTP = "http";
    String KAFKA = "kafka";

    /** Observes nothing. */
    IngressObserver NONE = (source, type, outcome, reason) -> { };

    /**
     * @param source  {@link #HTTP} or {@link #KAFKA}
     * @param type    {@code request}, {@code response} or {@code other} (undecodable, unknown type)
     * @param outcome {@code explained}, {@code paired} (a response kept for its request), {@code duplicate},
     *                {@code refused} (a permanent 4xx/502: never explainable), {@code retried} (busy or a
     *                transient failure: the sender redelivers), or, from the Kafka ingress, {@code dead_lettered}
     * @param reason  why, for {@code refused}, {@code retried} and {@code dead_lettered} (e.g. {@code malformed},
     *                {@code busy}); null otherwise
     */
    void event(String source, String type, String outcome, String reason);

    /** Decoding a delivery starts on this thread; the returned scope is closed on the same thread (tracing). */
    default AutoCloseable decoding(String source) {
        return () -> { };
    }

    /**
     * Makes the producer's trace current on this thread (a Kafka record's {@link TraceParent}), so that the spans
     * started until the returned scope is closed, on the same thread, are its children (tracing).
     */
    default AutoCloseable continuing(TraceParent parent) {
        return () -> { };
    }
}
