package dev.anchorwatch.publish;

/**
 * A sink did not take a record. {@link #retryable()} says whether trying again later may succeed (sink down,
 * timeout, 5xx): then the input must not be acknowledged, so that it is redelivered.
 */
public class PublishException extends RuntimeException {

    private final String sink;
    private final boolean retryable;

    public PublishException(String sink, String message, boolean retryable, Throwable cause) {
        super(sink + ": " + message, cause);
        this.sink = sink;
        this.retryable = retryable;
    }

    public PublishException(String sink, String message, boolean retryable) {
        this(sink, message, retryable, null);
    }

    public String sink() {
        return sink;
    }

    public boolean retryable() {
        return retryable;
    }
}
