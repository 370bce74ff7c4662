package dev.anchorwatch.explain;

/**
 * Why an explanation could not be produced, classified so that every caller (the REST API, the event
 * ingress) can map it to the right answer: a permanent client error, a transient upstream failure, or load.
 */
public class ExplainException extends RuntimeException {

    public enum Kind {
        /** The model name is not served here (404; permanent). */
        UNKNOWN_MODEL,
        /** The request body or an instance is malformed or has the wrong shape (400; permanent). */
        BAD_INPUT,
        /** Too large: too many instances, too many bytes (413; permanent). */
        TOO_LARGE,
        /** The predictor could not be reached or failed transiently (503; retry later). */
        PREDICTOR_UNAVAILABLE,
        /** The predictor answered, but not with something usable (502; permanent for this input). */
        PREDICTOR_ERROR,
        /** All explanation slots are busy (429 / 503 with Retry-After; retry later). */
        BUSY
    }

    private final Kind kind;

    public ExplainException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ExplainException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the same input may succeed later. */
    public boolean isTransient() {
        return kind == Kind.PREDICTOR_UNAVAILABLE || kind == Kind.BUSY;
    }
}
