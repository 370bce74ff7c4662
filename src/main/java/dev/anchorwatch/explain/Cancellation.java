package dev.anchorwatch.explain;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Cooperative cancellation of one request's explanations: whoever gave up on them (the event ingress's explain
 * timeout, or a failed sibling instance) calls {@link #cancel}; the explanation checks it before every predictor
 * batch, that is between rounds of the Anchors search and before KernelSHAP's evaluation, and a predictor call
 * pending at that moment is abandoned at once ({@link #await}). So a cancelled explanation stops making predictor
 * calls and frees its worker within one round of CPU work, instead of running to its end for nobody.
 *
 * <p>Thread-safe; cancelling twice keeps the first reason. {@link #NONE} is never cancelled.
 */
public final class Cancellation {

    /** Never cancelled: for callers that wait for the explanation whatever it takes. */
    public static final Cancellation NONE = new Cancellation();

    /** Thrown inside a cancelled explanation; transient (the same input may succeed when given time). */
    public static final class Cancelled extends ExplainException {
        Cancelled(String reason) {
            super(Kind.PREDICTOR_UNAVAILABLE, "explanation cancelled: " + reason);
        }
    }

    /** Completes (with the reason) once cancelled; waiters on a predictor call wake on it. */
    private final CompletableFuture<String> cancelled = new CompletableFuture<>();

    /** Cancels: the explanation stops at its next check, and a predictor call it waits for is abandoned. */
    public void cancel(String reason) {
        if (this != NONE) {
            cancelled.complete(reason);
        }
    }

    public boolean isCancelled() {
        return cancelled.isDone();
    }

    /** @throws Cancelled when cancelled */
    public void check() {
        if (cancelled.isDone()) {
            throw new Cancelled(cancelled.getNow("cancelled"));
        }
    }

    /**
     * Waits for {@code call} (a predictor call) unless cancelled first: then cancels the call (the HTTP client
     * abandons the exchange) and throws {@link Cancelled}.
     *
     * @throws CompletionException as {@link CompletableFuture#join} when the call fails
     */
    public <T> T await(CompletableFuture<T> call) {
        check();
        if (this == NONE) {
            return call.join();
        }
        CompletableFuture.anyOf(call, cancelled).exceptionally(e -> null).join();
        if (call.isDone()) {
            try {
                return call.join();
            } catch (CancellationException e) {
                throw new Cancelled("the predictor call was cancelled");
            }
        }
        call.cancel(true);
        throw new Cancelled(cancelled.getNow("cancelled"));
    }
}
