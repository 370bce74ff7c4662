package dev.anchorwatch.ingest;

/**
 * An input event that can never be explained, however often it is redelivered: not a CloudEvent, wrong type,
 * no id, a body that is not JSON, too large, or of the wrong shape. Answer it with a non-retried 4xx (or skip
 * the Kafka record) so that the broker sends it to its dead-letter sink; the message says what is wrong.
 */
public class PermanentEventException extends RuntimeException {

    public PermanentEventException(String message) {
        super(message);
    }

    public PermanentEventException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Too large to be accepted, ever: answered 413 over HTTP (also dead-lettered by the broker). */
    public static class TooLarge extends PermanentEventException {
        public TooLarge(String message) {
            super(message);
        }
    }
}
