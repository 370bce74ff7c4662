package dev.anchorwatch.ingest;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.PublishException;

/**
 * Handles one delivered event end to end (contract 3) and says how to answer it: decode, pair, explain within
 * a time limit and a concurrency bound, publish to every sink, and only then acknowledge.
 *
 * <ul>
 * <li>202: handled (explanation published, response kept, or a duplicate of a handled event); for a request, the
 * reply carries the published record, which the HTTP ingress returns as a CloudEvent in reply mode;</li>
 * <li>400: the event can never be decoded; 422: it can never be explained (a failure event was published);</li>
 * <li>429 + Retry-After: all explanation slots are busy, or the same request is being explained now;</li>
 * <li>503: a transient failure (explainer, predictor, time limit, a sink down); 502: a sink refused the output
 * for good (the broker retries, then dead-letters).</li>
 * </ul>
 */
public final class EventIngress {

    private static final Logger LOG = Logger.getLogger(EventIngress.class);

    /**
     * How to answer the delivery.
     *
     * @param explanation on a 202 for a request: the record that was published for it (also for a duplicate,
     *                    when the ingress remembers published records); null otherwise
     */
    public record Reply(int status, String message, Integer retryAfterSeconds, ExplanationRecord explanation) {
        public Reply(int status, String message, Integer retryAfterSeconds) {
            this(status, message, retryAfterSeconds, null);
        }

        static Reply accepted(String message) {
            return new Reply(202, message, null);
        }
    }

    private final InferenceEventDecoder decoder;
    private final Pairing pairing;
    private final EventExplainer explainer;
    private final ExplanationPublisher publisher;
    private final Semaphore slots;
    private final Duration explainTimeout;
    private final int retryAfterSeconds;
    private final Clock clock;
    private final boolean rememberPublished;
    private IngressObserver observer = IngressObserver.NONE;
    private final int maxConcurrent;
    private volatile boolean draining;

    public EventIngress(InferenceEventDecoder decoder, Pairing pairing, EventExplainer explainer,
            ExplanationPublisher publisher, int maxConcurrent, Duration explainTimeout, int retryAfterSeconds, Clock clock) {
        this(decoder, pairing, explainer, publisher, maxConcurrent, explainTimeout, retryAfterSeconds, clock, false);
    }

    /**
     * @param rememberPublished keep each published record in the pairing window, so that a duplicate of a handled
     *                          request is answered with it too (reply mode: the broker may redeliver because the
     *                          reply was lost, and must then get the explanation again)
     */
    public EventIngress(InferenceEventDecoder decoder, Pairing pairing, EventExplainer explainer,
            ExplanationPublisher publisher, int maxConcurrent, Duration explainTimeout, int retryAfterSeconds, Clock clock,
            boolean rememberPublished) {
        this.rememberPublished = rememberPublished;
        this.decoder = decoder;
        this.pairing = pairing;
        this.explainer = explainer;
        this.publisher = publisher;
        this.slots = new Semaphore(maxConcurrent);
        this.maxConcurrent = maxConcurrent;
        this.explainTimeout = explainTimeout;
        this.retryAfterSeconds = retryAfterSeconds;
        this.clock = clock;
    }

    /**
     * Reports every event's outcome to {@code observer} (metrics). Set once by the wiring, before the first event.
     *
     * @return this
     */
    public EventIngress observedBy(IngressObserver observer) {
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
        return this;
    }

    public CompletionStage<Reply> handleHttp(Map<String, List<String>> headers, byte[] body) {
        InferenceEvent event;
        AutoCloseable span = observer.decoding(IngressObserver.HTTP);
        try {
            event = decoder.decodeHttp(headers, body);
        } catch (PermanentEventException e) {
            observer.event(IngressObserver.HTTP, "other", "refused", "malformed");
            return done(new Reply(400, e.getMessage(), null));
        } finally {
            try {
                span.close();
            } catch (Exception e) {
                // a span that cannot end must not fail the delivery
            }
        }
        return handle(event, IngressObserver.HTTP);
    }

    /** An event from the Kafka ingress (already decoded). */
    public CompletionStage<Reply> handle(InferenceEvent event) {
        return handle(event, IngressObserver.KAFKA);
    }

    /** One decoded event from {@code source}: handled, then its outcome reported and, for an explanation, logged. */
    public CompletionStage<Reply> handle(InferenceEvent event, String source) {
        long start = System.nanoTime();
        return handleDecoded(event).thenApply(reply -> {
            observe(source, event, reply, System.nanoTime() - start);
            return reply;
        });
    }

    private void observe(String source, InferenceEvent event, Reply reply, long nanos) {
        String type = event.isRequest() ? "request" : "response";
        int status = reply.status();
        if (status < 300) {
            String outcome = "duplicate".equals(reply.message()) ? "duplicate"
                    : reply.explanation() != null ? "explained" : "paired";
            observer.event(source, type, outcome, null);
        } else {
            boolean retried = status == 429 || status == 408 || (status >= 500 && status != 502);
            observer.event(source, type, retried ? "retried" : "refused", reason(status));
        }
        ExplanationRecord record = reply.explanation();
        if (record != null && (status == 202 || status == 422) && !"duplicate".equals(reply.message())) {
            // exactly one line per explanation published; never the payload
            LOG.infof("explanation model=%s inference=%s outcome=%s explain_ms=%s total_ms=%d source=%s id=%s",
                    record.model(), record.inferenceId(), record.failed() ? "failed" : "explained",
                    record.timingsMs().getOrDefault("explain", -1L), nanos / 1_000_000, source, record.explanationId());
        }
    }

    /** A low-cardinality word for a refusal or retry status. */
    static String reason(int status) {
        return switch (status) {
            case 400 -> "malformed";
            case 404 -> "unknown_model";
            case 408 -> "timeout";
            case 413 -> "too_large";
            case 422 -> "unexplainable";
            case 429 -> "busy";
            case 502 -> "sink_refused";
            case 503 -> "unavailable";
            default -> "status_" + status;
        };
    }

    /**
     * Graceful shutdown, step one: from now on every new event is answered 503 (the broker redelivers it, to another
     * replica; a Kafka record stays unacknowledged and goes back to the group), while events being explained go on.
     */
    public void beginDrain() {
        draining = true;
    }

    /** Waits until no event is being explained or published, at most {@code max}; true when none is. */
    public boolean awaitIdle(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (slots.availablePermits() < maxConcurrent) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Events being explained or published now. */
    public int inFlight() {
        return maxConcurrent - slots.availablePermits();
    }

    private CompletionStage<Reply> handleDecoded(InferenceEvent event) {
        if (draining) {
            return done(new Reply(503, "shutting down: deliver this event to another replica", retryAfterSeconds));
        }
        if (event.isRequest() && (event.inferenceServiceName() == null || event.inferenceServiceName().isBlank())) {
            return done(new Reply(400, "request event " + event.id() + " has no inferenceservicename extension", null));
        }
        if (event.isRequest() && !slots.tryAcquire()) {
            return done(new Reply(429, "all explanation slots are busy", retryAfterSeconds));
        }
        Pairing.Outcome outcome;
        try {
            outcome = pairing.offer(event);
        } catch (RuntimeException e) {
            release(event);
            throw e;
        }
        if (!(outcome instanceof Pairing.Explain explain)) {
            release(event);
            if (outcome instanceof Pairing.InFlight) {
                return done(new Reply(429, "inference " + event.id() + " is being explained now", retryAfterSeconds));
            }
            if (outcome instanceof Pairing.Duplicate duplicate) {
                return done(new Reply(202, "duplicate", null, duplicate.published().orElse(null)));
            }
            return done(Reply.accepted("response kept"));
        }
        InferenceEvent request = explain.request();
        CompletableFuture<Reply> reply;
        try {
            reply = explainer.explain(request).toCompletableFuture()
                    .orTimeout(explainTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((record, error) -> error == null ? CompletableFuture.completedFuture(withServed(request, record))
                            : onExplainFailure(request, unwrap(error)))
                    .thenCompose(r -> r)
                    .thenCompose(outcomeRecord -> publish(request, outcomeRecord));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handle((r, error) -> {
            slots.release();
            if (error != null) {
                pairing.abandoned(request);
                Throwable cause = unwrap(error);
                if (cause instanceof dev.anchorwatch.explain.ExplainException busy
                        && busy.kind() == dev.anchorwatch.explain.ExplainException.Kind.BUSY) {
                    // refused by a pool that stops for shutdown: as any event while draining, 503
                    return draining ? new Reply(503, "shutting down: deliver this event to another replica", retryAfterSeconds)
                            : new Reply(429, busy.getMessage(), retryAfterSeconds);
                }
                LOG.warnf(cause, "inference %s: not explained, asking for redelivery", request.id());
                return new Reply(503, String.valueOf(cause.getMessage()), null);
            }
            return r;
        });
    }

    /** The explanation, or the failure record to publish; fails for transient problems. */
    private CompletableFuture<Outcome> onExplainFailure(InferenceEvent request, Throwable error) {
        if (error instanceof PermanentEventException p) {
            ExplanationRecord failed = ExplanationRecord.builder()
                    .explanationId(ExplanationIds.explanationId(request.source(), request.id(), request.type()))
                    .inferenceId(request.id()).model(request.inferenceServiceName()).namespace(request.namespace())
                    .explainer("anchorwatch").createdAt(clock.instant()).failed(p.getMessage()).build();
            return CompletableFuture.completedFuture(new Outcome(withServed(request, failed).record(), 422, p.getMessage()));
        }
        if (error instanceof TimeoutException) {
            return CompletableFuture.failedFuture(new IllegalStateException("no explanation within " + explainTimeout, error));
        }
        return CompletableFuture.failedFuture(error);
    }

    private record Outcome(ExplanationRecord record, int status, String message) {
    }

    private Outcome withServed(InferenceEvent request, ExplanationRecord record) {
        if (record == null) {
            throw new IllegalStateException("the explainer completed without a record");
        }
        if (record.servedPrediction() == null) {
            Optional<String> served = pairing.response(request).flatMap(response -> Predictions.forRow(response, 0));
            if (served.isPresent()) {
                record = record.withServedPrediction(served.get());
            }
        }
        return new Outcome(record, 202, record.failed() ? "failure published" : "explanation published");
    }

    private CompletableFuture<Reply> publish(InferenceEvent request, Outcome outcome) {
        return publisher.publish(outcome.record()).toCompletableFuture()
                .handle((ignored, error) -> {
                    if (error == null) {
                        pairing.completed(request, rememberPublished ? outcome.record() : null);
                        return new Reply(outcome.status(), outcome.message() + ": " + outcome.record().explanationId(), null,
                                outcome.record());
                    }
                    Throwable cause = unwrap(error);
                    pairing.abandoned(request);
                    boolean retryable = !(cause instanceof PublishException p) || p.retryable();
                    LOG.warnf("inference %s: %s", request.id(), cause.getMessage());
                    return new Reply(retryable ? 503 : 502, cause.getMessage(), null);
                });
    }

    private void release(InferenceEvent event) {
        if (event.isRequest()) {
            slots.release();
        }
    }

    private static CompletableFuture<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
