package dev.anchorwatch.viewer;

/** The explanation store could not answer (database down, query timed out); worth retrying later. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
