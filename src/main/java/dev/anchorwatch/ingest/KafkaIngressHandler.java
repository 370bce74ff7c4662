package dev.anchorwatch.ingest;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * What the Kafka ingress does with one record of logger events, without the framework: decode it, hand it to
 * the {@link EventIngress}, and say when the record may be acknowledged (its offset committed).
 *
 * <ul>
 * <li>handled (explanation published, response kept, duplicate): acknowledge;</li>
 * <li>poison (undecodable 400, unexplainable 422, refused for good by a sink 502): write the record, with the
 * reason, to the dead-letter topic, then acknowledge, so the partition moves on;</li>
 * <li>transient (busy 429, predictor or sink down 503): never dead-lettered, never acknowledged: handled again
 * after an exponential backoff, for as long as it takes. The record stays in flight meanwhile, so the offsets
 * after it are not committed and, once every in-flight place is taken, the consumer stops fetching.</li>
 * </ul>
 * A dead-letter write that fails is itself retried with backoff before the record is acknowledged.
 */
public final class KafkaIngressHandler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaIngressHandler.class);

    /** One consumed record: where it came from, and its bytes. */
    public record Delivery(String topic, int partition, long offset, byte[] key, Headers headers, byte[] value) {
        public String position() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** When the record may be acknowledged: after HANDLED and DEAD_LETTERED; never after ABANDONED. */
    public enum Outcome {
        HANDLED, DEAD_LETTERED, ABANDONED
    }

    /** Writes a poison record to the dead-letter topic; completes once the write is durable. */
    public interface DeadLetters {
        CompletionStage<Void> send(Delivery delivery, int status, String reason);
    }

    /** Wait {@code initial} after the first failure, doubled after each further one, at most {@code max}. */
    public record Backoff(Duration initial, Duration max) {
        public Backoff {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 < initial <= max");
            }
        }

        Duration after(int failures) {
            long ms = initial.toMillis() << Math.min(20, Math.max(0, failures - 1));
            return Duration.ofMillis(Math.min(ms, max.toMillis()));
        }
    }

    private final InferenceEventDecoder decoder;
    private final EventIngress ingress;
    private final DeadLetters deadLetters;
    private final Backoff backoff;
    /** Runs retries after their backoff; few records are ever waiting (at most the in-flight bound). */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "anchorwatch-kafka-ingress-retry");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    public KafkaIngressHandler(InferenceEventDecoder decoder, EventIngress ingress, DeadLetters deadLetters, Backoff backoff) {
        this.decoder = decoder;
        this.ingress = ingress;
        this.deadLetters = deadLetters;
        this.backoff = backoff;
    }

    /** Completes when the record may be acknowledged (or, on shutdown, must not be); never exceptionally. */
    public CompletionStage<Outcome> process(Delivery delivery) {
        InferenceEvent event;
        try {
            event = decoder.decodeKafka(delivery.headers(), delivery.value() == null ? new byte[0] : delivery.value());
        } catch (PermanentEventException e) {
            return deadLetter(delivery, 400, e.getMessage(), 1);
        } catch (IgnoredEventException e) { // a GET or metadata call: acknowledged (and counted), never dead-lettered
            handled.incrementAndGet();
            return CompletableFuture.completedFuture(Outcome.HANDLED);
        } catch (RuntimeException e) {
            // a decoder bug is not the record's fault: do not throw the record away for it
            LOG.errorf(e, "record %s: unexpected decoding failure, retrying", delivery.position());
            return later(1, () -> process(delivery));
        }
        return attempt(delivery, event, 1);
    }

    private CompletionStage<Outcome> attempt(Delivery delivery, InferenceEvent event, int attempt) {
        if (closed) {
            return CompletableFuture.completedFuture(Outcome.ABANDONED);
        }
        CompletionStage<EventIngress.Reply> reply;
        try {
            reply = ingress.handle(event);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handle((r, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                LOG.warnf("record %s (inference %s), attempt %d: %s; retrying", delivery.position(), event.id(), attempt, cause);
                return later(attempt, () -> attempt(delivery, event, attempt + 1));
            }
            if (r.status() < 300) {
                handled.incrementAndGet();
                return CompletableFuture.completedFuture(Outcome.HANDLED);
            }
            if (isPermanent(r.status())) {
                return deadLetter(delivery, r.status(), r.message(), 1);
            }
            LOG.debugf("record %s (inference %s), attempt %d: %d %s; retrying", delivery.position(), event.id(), attempt,
                    r.status(), r.message());
            return later(attempt, () -> attempt(delivery, event, attempt + 1));
        }).thenCompose(stage -> stage);
    }

    /** 4xx other than 429 (the event can never be explained), and 502 (a sink refuses the output for good). */
    static boolean isPermanent(int status) {
        return (status >= 400 && status < 500 && status != 429 && status != 408) || status == 502;
    }

    private CompletionStage<Outcome> deadLetter(Delivery delivery, int status, String reason, int attempt) {
        if (closed) {
            return CompletableFuture.completedFuture(Outcome.ABANDONED);
        }
        CompletionStage<Void> sent;
        try {
            sent = deadLetters.send(delivery, status, reason);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((ok, error) -> {
            if (error == null) {
                deadLettered.incrementAndGet();
                LOG.infof("record %s dead-lettered (%d): %s", delivery.position(), status, reason);
                return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
            }
            LOG.warnf("record %s: dead-letter write failed (%s); retrying", delivery.position(), error);
            return later(attempt, () -> deadLetter(delivery, status, reason, attempt + 1));
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> later(int failures, Supplier<CompletionStage<Outcome>> next) {
        retries.incrementAndGet();
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Runnable retry = () -> {
            try {
                next.get().whenComplete((outcome, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else {
                        result.complete(outcome);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        };
        try {
            timer.schedule(retry, backoff.after(failures).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.complete(Outcome.ABANDONED); // closed
        }
        return result;
    }

    public long handled() {
        return handled.get();
    }

    public long deadLettered() {
        return deadLettered.get();
    }

    public long retries() {
        return retries.get();
    }

    /** Stops retrying: records still in flight complete as ABANDONED, unacknowledged, to be redelivered. */
    @Override
    public void close() {
        closed = true;
        timer.shutdown(); // retries already scheduled still run, and find the handler closed
    }
}
