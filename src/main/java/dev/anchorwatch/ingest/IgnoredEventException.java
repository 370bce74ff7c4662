package dev.anchorwatch.ingest;

/**
 * A logger event with nothing to explain or pair, which is acknowledged (2xx, Kafka offset committed) and
 * counted, never dead-lettered: KServe's logger logs every call through the predictor, so GET, health and
 * metadata calls arrive as request events with empty bodies, and their answers as response events without
 * predictions.
 */
public class IgnoredEventException extends RuntimeException {
    private final InferenceEvent.Kind kind;

    public IgnoredEventException(InferenceEvent.Kind kind, String reason) {
        super(reason, null, false, false);
        this.kind = kind;
    }

    /** Request or response. */
    public InferenceEvent.Kind kind() {
        return kind;
    }
}
