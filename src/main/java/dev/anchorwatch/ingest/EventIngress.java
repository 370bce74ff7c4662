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
import dev.anchorwatch.publish.ServedPrediction;

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
     * @param reason      on a 429 or 413: why, as a metric tag ({@code busy}, {@code bytes}, {@code too_large},
     *                    {@code in_flight}); null otherwise
     */
    public record Reply(int status, String message, Integer retryAfterSeconds, ExplanationRecord explanation,
                        String reason) {
        public Reply(int status, String message, Integer retryAfterSeconds) {
            this(status, message, retryAfterSeconds, null, null);
        }

        public Reply(int status, String message, Integer retryAfterSeconds, ExplanationRecord explanation) {
            this(status, message, retryAfterSeconds, explanation, null);
        }

        static Reply refused(Admission.Refused r, int retryAfterSeconds) {
            return r.permanent() ? new Reply(413, r.getMessage(), null, null, r.reason().tag())
                    : new Reply(429, r.getMessage(), retryAfterSeconds, null, r.reason().tag());
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
        } catch (IgnoredEventException e) { // a GET or metadata call: acknowledged (and counted), never dead-lettered
            return done(Reply.accepted("ignored: " + e.getMessage()));
        } finally {
            try {
                span.close();
            } catch (Exception e) {
                // a span that cannot end must not fail the delivery
            }
        }
        return handle(event, IngressObserver.HTTP);
    }

    /**
     * As {@link #handleHttp(Map, byte[])} for a body admitted with {@code ticket}: inflating and parsing are charged
     * to it, its decode place is freed once the event is decoded, its bytes stay reserved while the event is
     * handled, and it is closed when the reply is known (whatever happens).
     */
    public CompletionStage<Reply> handleHttp(Map<String, List<String>> headers, byte[] body, Admission.Ticket ticket) {
        CompletionStage<Reply> reply;
        try {
            InferenceEvent event;
            AutoCloseable span = observer.decoding(IngressObserver.HTTP);
            try {
                event = decoder.decodeHttp(headers, body, ticket::charge);
            } catch (IgnoredEventException e) { // a GET or metadata call: acknowledged (and counted), never dead-lettered
                ticket.close();
                return done(Reply.accepted("ignored: " + e.getMessage()));
            } catch (PermanentEventException e) {
                observer.event(IngressObserver.HTTP, "other", "refused", "malformed");
                ticket.close();
                return done(e instanceof PermanentEventException.TooLarge
                        ? new Reply(413, e.getMessage(), null, null, "too_large") : new Reply(400, e.getMessage(), null));
            } catch (Admission.Refused r) {
                ticket.close();
                return done(Reply.refused(r, retryAfterSeconds));
            } finally {
                try {
                    span.close();
                } catch (Exception e) {
                    // a span that cannot end must not fail the delivery
                }
            }
            // the reservation stays until the reply: the explainer (a request) or the pairing (a response) parses
            // the body again, as much as the decoder did
            ticket.endDecode();
            reply = handle(event, IngressObserver.HTTP);
        } catch (RuntimeException e) {
            ticket.close();
            throw e;
        }
        return reply.whenComplete((r, error) -> ticket.close());
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
            // one line, no stack trace (a redelivered input would log it again on every attempt); the Kafka ingress
            // writes its own line per retry or dead letter, with the record's position, attempt and backoff
            if (status >= 500 && !IngressObserver.KAFKA.equals(source) && !DRAINING.equals(reply.reason())) {
                LOG.warnf("inference %s (%s): %d %s%s", event.id(), type, status, reply.message(),
                        retried ? ", asking for redelivery" : "");
            }
        }
        ExplanationRecord record = reply.explanation();
        if (record != null && (status == 202 || status == 422) && !"duplicate".equals(reply.message())) {
            // exactly one line per explanation published; never the payload
            LOG.infof("explanation model=%s inference=%s outcome=%s explain_ms=%s total_ms=%d source=%s id=%s",
                    record.model(), record.inferenceId(), record.failed() ? "failed" : "explained",
                    record.timingsMs().getOrDefault("explain", -1L), nanos / 1_000_000, source, record.explanationId());
        }
    }

    /** The reason of the 503 every event gets while draining: expected, so not logged one by one. */
    private static final String DRAINING = "draining";

    private Reply drainingReply() {
        return new Reply(503, "shutting down: deliver this event to another replica", retryAfterSeconds, null, DRAINING);
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
            return done(drainingReply());
        }
        if (event.isRequest() && (event.inferenceServiceName() == null || event.inferenceServiceName().isBlank())) {
            return done(new Reply(400, "request event " + event.id() + " has no inferenceservicename extension", null));
        }
        if (event.isRequest() && !slots.tryAcquire()) {
            return done(new Reply(429, "all explanation slots are busy", retryAfterSeconds, null, "busy"));
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
                return done(new Reply(429, "inference " + event.id() + " is being explained now", retryAfterSeconds, null,
                        "in_flight"));
            }
            if (outcome instanceof Pairing.Duplicate duplicate) {
                return done(new Reply(202, "duplicate", null, duplicate.published().orElse(null)));
            }
            if (outcome instanceof Pairing.ResponseKept kept && (!kept.requestSeen() || pairing.explainedHere(event))) {
                // Its request is explained elsewhere (another replica: logger events may be keyed by nothing) or
                // was published already: hand the served prediction to the sinks, which merge it by inference id.
                return servedLater(event);
            }
            return done(Reply.accepted("response kept"));
        }
        InferenceEvent request = explain.request();
        CompletableFuture<Reply> reply;
        try {
            // one record per explainer of the model; all are published before the input is acknowledged. On a
            // retry, a record some sink has not acknowledged is replaced by the identical remembered one, which the
            // publisher then sends only where it is missing
            reply = explainer.explainAll(request).toCompletableFuture()
                    .orTimeout(explainTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((records, error) -> error == null
                            ? CompletableFuture.completedFuture(rememberedOrWithServed(request, records))
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
                    return draining ? drainingReply()
                            : new Reply(429, busy.getMessage(), retryAfterSeconds, null, "busy");
                }
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
            return CompletableFuture.completedFuture(
                    new Outcome(rememberedOrWithServed(request, List.of(failed)).records(), 422, p.getMessage()));
        }
        if (error instanceof TimeoutException) {
            return CompletableFuture.failedFuture(new IllegalStateException("no explanation within " + explainTimeout, error));
        }
        return CompletableFuture.failedFuture(error);
    }

    /** The records to publish (the first is the reply in reply mode), and how to answer once they are. */
    private record Outcome(List<ExplanationRecord> records, int status, String message) {
        ExplanationRecord record() {
            return records.get(0);
        }
    }

    /**
     * The served prediction of a response whose request is not being explained here, to every sink; a failure
     * answers 503 and forgets the response, so that its redelivery is handled again rather than dropped.
     */
    private CompletableFuture<Reply> servedLater(InferenceEvent response) {
        Optional<String> json = Predictions.forRow(response, 0);
        if (json.isEmpty()) {
            return done(Reply.accepted("response kept (no prediction to record)"));
        }
        return servedLater(response, json.get(), true);
    }

    /**
     * {@code event} is either event of the inference (request or response): they share source, id and model.
     * {@code forgetOnFailure}: the response's own delivery is answered, so its redelivery must find it new; a
     * request's delivery keeps the response for the redelivered request to carry.
     */
    private CompletableFuture<Reply> servedLater(InferenceEvent event, String servedJson, boolean forgetOnFailure) {
        ServedPrediction served = new ServedPrediction(
                ExplanationIds.explanationId(event.source(), event.id(), InferenceEvent.RESPONSE_TYPE), event.id(),
                ExplanationIds.explanationId(event.source(), event.id(), InferenceEvent.REQUEST_TYPE),
                event.inferenceServiceName() == null ? "-" : event.inferenceServiceName(), event.namespace(), servedJson,
                clock.instant());
        return publisher.served(served).toCompletableFuture().handle((ignored, error) -> {
            if (error == null) {
                return Reply.accepted("response kept, served prediction handed to the sinks");
            }
            if (forgetOnFailure) {
                pairing.forgetResponse(event);
            }
            Throwable cause = unwrap(error);
            boolean retryable = !(cause instanceof PublishException p) || p.retryable();
            return new Reply(retryable ? 503 : 502, cause.getMessage(), null);
        });
    }

    private CompletableFuture<Reply> publish(InferenceEvent request, Outcome outcome) {
        List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
        for (ExplanationRecord r : outcome.records()) {
            all.add(publisher.publish(r).toCompletableFuture());
        }
        // all of them, then the first failure if any (every record is retried on redelivery: sinks are idempotent)
        CompletableFuture<Void> published = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .handle((ignored, error) -> {
                    for (CompletableFuture<Void> f : all) {
                        if (f.isCompletedExceptionally()) {
                            f.join();
                        }
                    }
                    return null;
                });
        return published
                .handle((ignored, error) -> {
                    if (error == null) {
                        String ids = String.join(", ", outcome.records().stream()
                                .map(ExplanationRecord::explanationId).toList());
                        Reply done = new Reply(outcome.status(), outcome.message() + ": " + ids, null, outcome.record());
                        if (outcome.records().stream().allMatch(r -> r.servedPrediction() != null)) {
                            pairing.completed(request, rememberPublished ? outcome.record() : null);
                            return CompletableFuture.completedFuture(done);
                        }
                        // The response may have arrived while this was being explained: it was kept, not handed on.
                        // Hand it on before completing, so that a failure can still ask for a redelivery ...
                        Optional<String> before = servedOf(request);
                        if (before.isPresent()) {
                            return servedLater(request, before.get(), false).thenApply(r -> {
                                if (r.status() >= 300) {
                                    pairing.abandoned(request);
                                    return r;
                                }
                                pairing.completed(request, rememberPublished ? outcome.record() : null);
                                return done;
                            });
                        }
                        pairing.completed(request, rememberPublished ? outcome.record() : null);
                        // ... and look once more: a response offered between the look and completed() saw the
                        // request in flight and left it to this path
                        Optional<String> after = servedOf(request);
                        if (after.isPresent()) {
                            return servedLater(request, after.get(), false).thenApply(r -> done);
                        }
                        return CompletableFuture.completedFuture(done);
                    }
                    Throwable cause = unwrap(error);
                    pairing.abandoned(request);
                    boolean retryable = !(cause instanceof PublishException p) || p.retryable();
                    return CompletableFuture.completedFuture(new Reply(retryable ? 503 : 502,
                            cause.getMessage(), null));
                }).thenCompose(r -> r);
    }

    /**
     * Each record with the served prediction when it is known, or the identical one remembered from an earlier
     * attempt that some sink has not acknowledged. A remembered record is never changed: a sink that took it
     * would otherwise be sent a second, different copy; a served prediction it lacks follows as an update.
     */
    private Outcome rememberedOrWithServed(InferenceEvent request, List<ExplanationRecord> records) {
        if (records == null || records.isEmpty() || records.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalStateException("the explainer completed without a record");
        }
        Optional<String> served = pairing.served(request);
        List<ExplanationRecord> out = new java.util.ArrayList<>(records.size());
        for (ExplanationRecord r : records) {
            Optional<ExplanationRecord> remembered = publisher.remembered(r.explanationId());
            out.add(remembered.isPresent() ? remembered.get()
                    : r.servedPrediction() == null && served.isPresent() ? r.withServedPrediction(served.get()) : r);
        }
        return new Outcome(List.copyOf(out), 202, out.get(0).failed() ? "failure published" : "explanation published");
    }

    /** The served prediction of this request's inference, if its response has arrived here. */
    private Optional<String> servedOf(InferenceEvent request) {
        return pairing.served(request);
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
