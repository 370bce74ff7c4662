package dev.anchorwatch.model;

/**
 * A predictor call that failed. {@code transientFailure} says whether retrying later may succeed
 * (predictor down, 5xx, timeout) or not (the model rejected the input, the response had the wrong shape).
 */
public class PredictorException extends RuntimeException {
    private final boolean transientFailure;

    public PredictorException(String message, boolean transientFailure) {
        super(message);
        this.transientFailure = transientFailure;
    }

    public PredictorException(String message, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
