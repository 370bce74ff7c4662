package dev.anchorwatch.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * What the Kafka ingress does with one record of logger events, without the framework: decode it, hand it to
 * the {@link EventIngress}, and say when the record may be acknowledged (its offset committed). Every record
 * ends in one of three ways, so that no record can stall its partition:
 *
 * <ul>
 * <li><b>handled</b> (explanation published, response kept, duplicate): acknowledged;</li>
 * <li><b>dead-lettered at once</b> when it can never succeed: undecodable (400, including a decoder that throws
 * on these bytes: the same bytes would throw again), unexplainable (422: unknown model, wrong shape, bad data),
 * refused for good (any other 4xx but 429, e.g. 413 for a request larger than any admission allows), or refused
 * for good by a sink (502). The copy goes to the dead-letter topic with the reason; then the record is
 * acknowledged;</li>
 * <li><b>retried</b> after a transient failure (429 busy, 503 predictor or sink down, explanation timeout, or no room
 * in the {@link Admission} to decode it now), with a growing backoff: {@code initial}, then times {@code factor}
 * after each further failure, at most {@code max}. One log line per retry, no stack trace. A record still failing
 * {@code maxAge} after it was written (its Kafka timestamp; without one, after its first attempt in this replica)
 * is dead-lettered with reason {@code max_age} and its last error, so that its age does not start again when a
 * rebalance or a restart hands it to another replica. A replica that receives a record already past that age
 * still tries it for a grace of min({@code maxAge}, the backoff's maximum) first: a backlog read after an outage
 * is not dead-lettered at its first hiccup.</li>
 * </ul>
 * A dead-letter write that fails (broker down) is itself retried with the same backoff until it succeeds: the
 * record is acknowledged only once its copy is durable.
 *
 * <p>Decoding is admitted like an HTTP body: each attempt takes a ticket of the shared {@link Admission} (a decode
 * place and the record's size) before it touches the record, charges every inflated chunk and the parse before
 * they happen, frees the decode place once decoded and the bytes once the attempt is answered. A record that does
 * not fit now is not decoded: it waits for a retry (reason {@code busy} or {@code bytes}); one that could never fit
 * is dead-lettered ({@code refused}, 413). Each attempt decodes the record afresh from its bytes, so nothing
 * decoded is held while a record waits for its next attempt.
 *
 * <p>The handler also tracks, per partition, the records it holds and when it last finished one, from which the
 * ingress derives its lag and idle time ({@link #lowestPending}, {@link #lastProgressNanos}).
 */
public final class KafkaIngressHandler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaIngressHandler.class);

    /**
     * One consumed record: where it came from, its bytes, and its Kafka timestamp.
     *
     * @param timestampMillis the record's timestamp (CreateTime or LogAppendTime) in epoch milliseconds, or a
     *                        negative number when it has none
     */
    public record Delivery(String topic, int partition, long offset, byte[] key, Headers headers, byte[] value,
            long timestampMillis) {
        /** A record without a timestamp. */
        public Delivery(String topic, int partition, long offset, byte[] key, Headers headers, byte[] value) {
            this(topic, partition, offset, key, headers, value, -1);
        }

        public boolean hasTimestamp() {
            return timestampMillis >= 0;
        }

        public String position() {
            return topic + "-" + partition + "@" + offset;
        }

        public int size() {
            return (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        }

        TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }
    }

    /** When the record may be acknowledged: after HANDLED and DEAD_LETTERED; never after ABANDONED. */
    public enum Outcome {
        HANDLED, DEAD_LETTERED, ABANDONED
    }

    /**
     * Writes a poison record to the dead-letter topic; completes once the write is durable.
     * {@code category} is the low-cardinality reason (undecodable, unexplainable, refused, sink_refused, max_age),
     * {@code reason} the message.
     */
    public interface DeadLetters {
        CompletionStage<Void> send(Delivery delivery, int status, String category, String reason);
    }

    /**
     * What happened to records, for metrics. Reasons are low-cardinality words: retries {@code busy},
     * {@code unavailable}, {@code dead_letter_write}; dead letters {@code undecodable}, {@code unexplainable},
     * {@code refused}, {@code sink_refused}, {@code max_age}.
     */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        /** A record is to be handled again after {@code delay}. */
        default void retried(String reason, Duration delay) {
        }

        /** A record's copy is durably in the dead-letter topic. */
        default void deadLettered(String reason) {
        }

        /** A record was handled: {@code type} request|response|other, {@code outcome} explained|paired|duplicate. */
        default void handled(String type, String outcome) {
        }

        /**
         * The record's producer trace ({@code parent}, null when it carries none) is to be current on this thread
         * until the returned scope is closed on the same thread: around its decoding and each of its attempts.
         */
        default AutoCloseable traced(TraceParent parent) {
            return () -> { };
        }

        /** Decoding a record starts on this thread; the returned scope is closed on the same thread (a span). */
        default AutoCloseable decoding() {
            return () -> { };
        }

        /**
         * An attempt was refused admission ({@code busy}, {@code bytes}, {@code too_large} before decoding;
         * {@code busy}, {@code in_flight} when every explanation slot was taken).
         */
        default void refused(String reason) {
        }
    }

    /**
     * Wait {@code initial} after the first failure, times {@code factor} after each further one, at most
     * {@code max}.
     */
    public record Backoff(Duration initial, double factor, Duration max) {
        public Backoff {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 < initial <= max");
            }
            if (!(factor >= 1.0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("backoff factor must be at least 1, not " + factor);
            }
        }

        /** Doubling. */
        public Backoff(Duration initial, Duration max) {
            this(initial, 2.0, max);
        }

        public Duration after(int failures) {
            double ms = initial.toMillis() * Math.pow(factor, Math.max(0, failures - 1));
            return Duration.ofMillis((long) Math.min(ms, max.toMillis()));
        }
    }

    /** The admission path tag of this ingress's tickets. */
    public static final String ADMISSION_PATH = "kafka";

    private final InferenceEventDecoder decoder;
    private final Admission admission;
    private final EventIngress ingress;
    private final DeadLetters deadLetters;
    private final Backoff backoff;
    private final Duration maxAge;
    private final Listener listener;
    private final LongSupplier nanoTime;
    private final LongSupplier wallMillis;
    /** Runs retries after their backoff; few records are ever waiting (at most the in-flight bound). */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "anchorwatch-kafka-ingress-retry");
        t.setDaemon(true);
        return t;
    });
    /** Runs the attempts the timer releases (decoding included), so that one long decode never delays the others. */
    private final java.util.concurrent.ExecutorService retryWork = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "anchorwatch-kafka-ingress-retry-work");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;
    /** Set by {@link #drain()}: no record is started or retried any more; those being handled finish. */
    private volatile boolean draining;
    /** Records waiting for a retry (after their backoff): handed back at once by {@link #drain()}. */
    private final java.util.Set<CompletableFuture<Outcome>> waiting = ConcurrentHashMap.newKeySet();
    /** Since {@link #drain()}: records that finished (acknowledgeable), and records handed back unfinished. */
    private final AtomicLong finishedWhileDraining = new AtomicLong();
    private final AtomicLong handedBack = new AtomicLong();

    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    /** Offsets held by this handler (being handled or waiting for a retry), per partition. */
    private final Map<TopicPartition, NavigableSet<Long>> pending = new ConcurrentHashMap<>();
    /** Per partition, the offset after the last record handed to this handler. */
    private final Map<TopicPartition, Long> next = new ConcurrentHashMap<>();
    private final AtomicLong lastProgress;

    public KafkaIngressHandler(InferenceEventDecoder decoder, EventIngress ingress, DeadLetters deadLetters, Backoff backoff) {
        this(decoder, ingress, deadLetters, backoff, Duration.ofDays(365), Listener.NONE, System::nanoTime);
    }

    /**
     * @param maxAge   how long after its first attempt a record that keeps failing transiently is dead-lettered
     * @param listener told of retries, dead letters and handled records (metrics)
     * @param nanoTime the clock for ages and progress ({@link System#nanoTime} but in tests)
     */
    public KafkaIngressHandler(InferenceEventDecoder decoder, EventIngress ingress, DeadLetters deadLetters, Backoff backoff,
            Duration maxAge, Listener listener, LongSupplier nanoTime) {
        this(decoder, new Admission(new Admission.Limits(Integer.MAX_VALUE, Long.MAX_VALUE / 4), Admission.Listener.NONE),
                ingress, deadLetters, backoff, maxAge, listener, nanoTime, System::currentTimeMillis);
    }

    /**
     * @param admission  admits each attempt's decoding (shared with the HTTP paths, so that all of them together
     *                   stay within one byte budget)
     * @param wallMillis the wall clock, in epoch milliseconds, against which record timestamps are aged
     */
    public KafkaIngressHandler(InferenceEventDecoder decoder, Admission admission, EventIngress ingress,
            DeadLetters deadLetters, Backoff backoff, Duration maxAge, Listener listener, LongSupplier nanoTime,
            LongSupplier wallMillis) {
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("max age must be positive");
        }
        this.decoder = decoder;
        this.admission = java.util.Objects.requireNonNull(admission, "admission");
        this.ingress = ingress;
        this.deadLetters = deadLetters;
        this.backoff = backoff;
        this.maxAge = maxAge;
        this.listener = listener;
        this.nanoTime = nanoTime;
        this.wallMillis = wallMillis;
        this.lastProgress = new AtomicLong(nanoTime.getAsLong());
    }

    /** Completes when the record may be acknowledged (or, on shutdown, must not be); never exceptionally. */
    public CompletionStage<Outcome> process(Delivery delivery) {
        if (draining || closed) { // stopping: not started, not acknowledged; the group redelivers it
            handedBack.incrementAndGet();
            return CompletableFuture.completedFuture(Outcome.ABANDONED);
        }
        TopicPartition tp = delivery.topicPartition();
        pending.computeIfAbsent(tp, k -> new ConcurrentSkipListSet<>()).add(delivery.offset());
        next.merge(tp, delivery.offset() + 1, Math::max);
        long started = nanoTime.getAsLong();
        CompletionStage<Outcome> outcome;
        try {
            // only the headers before admission: a structured event's own attribute is read once admitted
            outcome = attempt(delivery, TraceParent.ofHeaders(delivery.headers()), 1, started);
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.handle((o, error) -> {
            pending.get(tp).remove(delivery.offset());
            if (error != null) {
                // a bug in this class: never acknowledge what was not handled
                LOG.errorf(error, "record %s: unexpected failure, leaving it unacknowledged", delivery.position());
                o = Outcome.ABANDONED;
            }
            if (o != Outcome.ABANDONED) {
                lastProgress.set(nanoTime.getAsLong());
            }
            if (draining) {
                (o == Outcome.ABANDONED ? handedBack : finishedWhileDraining).incrementAndGet();
            }
            return o;
        });
    }

    private static void closeQuietly(AutoCloseable scope) {
        try {
            scope.close();
        } catch (Exception e) {
            // a span or scope that cannot end must not fail the record
        }
    }

    /**
     * One attempt: admitted, decoded from the record's bytes, handed to the ingress; the ticket is closed once the
     * ingress answers (or decoding ends the attempt).
     */
    private CompletionStage<Outcome> attempt(Delivery delivery, TraceParent known, int attempt, long started) {
        if (closed || (draining && attempt > 1)) { // a retry after SIGTERM: handed back, redelivered elsewhere
            return CompletableFuture.completedFuture(Outcome.ABANDONED);
        }
        byte[] value = delivery.value() == null ? new byte[0] : delivery.value();
        String id = ceId(delivery);
        Admission.Ticket ticket;
        try {
            ticket = admission.admit(ADMISSION_PATH, value.length);
        } catch (Admission.Refused r) {
            return notAdmitted(delivery, id, known, attempt, started, r);
        }
        // a structured event's traceparent attribute is read only now that its bytes are admitted
        TraceParent trace = known != null ? known : TraceParent.ofAttribute(delivery.headers(), value);
        InferenceEvent event;
        AutoCloseable traced = listener.traced(trace);
        try {
            AutoCloseable span = listener.decoding();
            try {
                event = decoder.decodeKafka(delivery.headers(), value, ticket::charge);
            } finally {
                closeQuietly(span);
            }
        } catch (Admission.Refused r) {
            ticket.close();
            return notAdmitted(delivery, id, trace, attempt, started, r);
        } catch (PermanentEventException e) {
            ticket.close();
            return deadLetter(delivery, 400, "undecodable", e.getMessage(), 1);
        } catch (IgnoredEventException e) { // a GET or metadata call: acknowledged, never dead-lettered
            // counted once, with its type, by the decoder's listener (anchorwatch.ingest.events{outcome=ignored})
            ticket.close();
            handled.incrementAndGet();
            return CompletableFuture.completedFuture(Outcome.HANDLED);
        } catch (RuntimeException e) {
            ticket.close();
            // Decoding is a function of the record's bytes: they would fail the same way on every attempt.
            return deadLetter(delivery, 400, "undecodable", "cannot decode the record: " + e, 1);
        } finally {
            closeQuietly(traced);
        }
        // the bytes stay reserved until the ingress answers: the explainer (a request) or the pairing (a response)
        // parses the body again, as much as the decoder did
        ticket.endDecode();
        CompletionStage<EventIngress.Reply> reply;
        traced = listener.traced(trace); // explain, predict and publish spans continue the producer's trace
        try {
            reply = ingress.handle(event);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        } finally {
            closeQuietly(traced);
        }
        return reply.whenComplete((r, error) -> ticket.close()).handle((r, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                return transientFailure(delivery, event.id(), trace, attempt, started, "unavailable", 503,
                        String.valueOf(cause));
            }
            if (r.status() < 300) {
                handled.incrementAndGet();
                listener.handled(event.isRequest() ? "request" : "response", handledOutcome(event, r));
                return CompletableFuture.completedFuture(Outcome.HANDLED);
            }
            if (isPermanent(r.status())) {
                return deadLetter(delivery, r.status(), deadLetterReason(r.status()), r.message(), 1);
            }
            if (r.status() == 429) {
                listener.refused(r.reason() == null ? "busy" : r.reason());
            }
            return transientFailure(delivery, event.id(), trace, attempt, started,
                    r.status() == 429 ? "busy" : "unavailable", r.status(), r.message());
        }).thenCompose(stage -> stage);
    }

    /** Refused by the admission before or while decoding: retried later (429), or dead-lettered if it never fits. */
    private CompletionStage<Outcome> notAdmitted(Delivery delivery, String id, TraceParent trace, int attempt,
            long started, Admission.Refused r) {
        listener.refused(r.reason().tag());
        if (r.permanent()) {
            return deadLetter(delivery, 413, "refused", r.getMessage(), 1);
        }
        return transientFailure(delivery, id, trace, attempt, started, r.reason().tag(), 429, r.getMessage());
    }

    /** The record's {@code ce_id} header (binary mode), or "-": what the log can say before decoding. */
    private static String ceId(Delivery delivery) {
        org.apache.kafka.common.header.Header h = delivery.headers() == null ? null : delivery.headers().lastHeader("ce_id");
        if (h == null || h.value() == null) {
            return "-";
        }
        String id = new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
        return id.length() > 200 ? id.substring(0, 200) + "..." : id;
    }

    private CompletionStage<Outcome> transientFailure(Delivery delivery, String inferenceId, TraceParent trace,
            int attempt, long started, String reason, int status, String message) {
        long ageNanos = nanoTime.getAsLong() - started;
        long writtenAgoMillis = delivery.hasTimestamp() ? wallMillis.getAsLong() - delivery.timestampMillis() : -1;
        long graceNanos = Math.min(maxAge.toNanos(), backoff.max().toNanos());
        boolean tooOld = ageNanos >= maxAge.toNanos()
                || (writtenAgoMillis >= maxAge.toMillis() && ageNanos >= graceNanos);
        if (tooOld) {
            String age = writtenAgoMillis < 0 ? ""
                    : String.format(java.util.Locale.ROOT, " here, written %d s ago", writtenAgoMillis / 1000);
            return deadLetter(delivery, status, "max_age", String.format(java.util.Locale.ROOT,
                    "gave up after %d attempts in %d s%s (max age %s); last error: %d %s", attempt,
                    TimeUnit.NANOSECONDS.toSeconds(ageNanos), age, maxAge, status, message), 1);
        }
        if (draining || closed) { // stopping: no retry here; unacknowledged, the group redelivers it
            LOG.infof("record %s (inference %s), attempt %d: %d %s; stopping, so handed back unacknowledged",
                    delivery.position(), inferenceId, attempt, status, message);
            return CompletableFuture.completedFuture(Outcome.ABANDONED);
        }
        Duration delay = backoff.after(attempt);
        // the only line for this retry (EventIngress leaves Kafka retries to this one): no stack trace
        LOG.warnf("record %s (inference %s), attempt %d: %s, %d %s; retrying in %d ms", delivery.position(), inferenceId,
                attempt, reason, status, message, delay.toMillis());
        listener.retried(reason, delay);
        return later(delay, () -> attempt(delivery, trace, attempt + 1, started));
    }

    private static String handledOutcome(InferenceEvent event, EventIngress.Reply r) {
        String message = r.message() == null ? "" : r.message();
        if (message.startsWith("duplicate")) {
            return "duplicate";
        }
        return event.isRequest() ? "explained" : "paired";
    }

    /** 4xx other than 429 and 408 (the event can never be explained), and 502 (a sink refuses the output for good). */
    static boolean isPermanent(int status) {
        return (status >= 400 && status < 500 && status != 429 && status != 408) || status == 502;
    }

    static String deadLetterReason(int status) {
        return switch (status) {
            case 400 -> "undecodable";
            case 422 -> "unexplainable";
            case 502 -> "sink_refused";
            default -> "refused";
        };
    }

    private CompletionStage<Outcome> deadLetter(Delivery delivery, int status, String reason, String message, int attempt) {
        if (closed || (draining && attempt > 1)) {
            return CompletableFuture.completedFuture(Outcome.ABANDONED);
        }
        CompletionStage<Void> sent;
        try {
            sent = deadLetters.send(delivery, status, reason, message);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((ok, error) -> {
            if (error == null) {
                deadLettered.incrementAndGet();
                listener.deadLettered(reason);
                LOG.infof("record %s (%d bytes) dead-lettered, %s (%d): %s", delivery.position(), delivery.size(), reason,
                        status, message);
                return CompletableFuture.completedFuture(Outcome.DEAD_LETTERED);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            Duration delay = backoff.after(attempt);
            LOG.warnf("record %s: dead-letter write failed, attempt %d (%s); retrying in %d ms", delivery.position(),
                    attempt, cause, delay.toMillis());
            listener.retried("dead_letter_write", delay);
            return later(delay, () -> deadLetter(delivery, status, reason, message, attempt + 1));
        }).thenCompose(stage -> stage);
    }

    private CompletionStage<Outcome> later(Duration delay, Supplier<CompletionStage<Outcome>> next) {
        retries.incrementAndGet();
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        waiting.add(result);
        result.whenComplete((o, e) -> waiting.remove(result));
        if (draining) { // drain() may have run between the caller's check and the add above
            result.complete(Outcome.ABANDONED);
        }
        Runnable work = () -> {
            if (result.isDone()) {
                return; // handed back by drain()
            }
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
        Runnable retry = () -> {
            if (result.isDone()) {
                return; // handed back by drain()
            }
            try {
                retryWork.execute(work); // off the timer thread: an attempt decodes the record again
            } catch (java.util.concurrent.RejectedExecutionException e) {
                result.complete(Outcome.ABANDONED); // closed
            }
        };
        try {
            timer.schedule(retry, delay.toMillis(), TimeUnit.MILLISECONDS);
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

    /** Records this handler holds now (being handled or waiting for a retry). */
    public int inFlight() {
        return pending.values().stream().mapToInt(NavigableSet::size).sum();
    }

    /**
     * The lowest offset of the partition not yet finished by this handler: the lowest one it holds, else the one
     * after the last it was given; empty if it was never given a record of that partition.
     */
    public java.util.OptionalLong lowestPending(TopicPartition tp) {
        NavigableSet<Long> held = pending.get(tp);
        if (held != null) {
            Long first = held.isEmpty() ? null : held.first();
            if (first != null) {
                return java.util.OptionalLong.of(first);
            }
        }
        Long after = next.get(tp);
        return after == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(after);
    }

    /** When a record was last finished (handled or dead-lettered), or the handler created, in {@code nanoTime}. */
    public long lastProgressNanos() {
        return lastProgress.get();
    }

    /**
     * Graceful shutdown: from now on no record is started (new ones complete ABANDONED at once, unacknowledged) and
     * none is retried; records waiting for a retry are handed back now; records being handled (explained,
     * published, dead-lettered) finish and are acknowledged as usual.
     *
     * @return the records being handled now (not those waiting for a retry), which go on
     */
    public int drain() {
        draining = true;
        java.util.List<CompletableFuture<Outcome>> handBack = java.util.List.copyOf(waiting);
        int handling = Math.max(0, inFlight() - handBack.size());
        for (CompletableFuture<Outcome> w : handBack) {
            w.complete(Outcome.ABANDONED);
        }
        return handling;
    }

    /** Records waiting for a retry, after their backoff. */
    public int waitingForRetry() {
        return waiting.size();
    }

    public boolean draining() {
        return draining;
    }

    /** Since {@link #drain()}: records that finished (handled or dead-lettered, so acknowledged). */
    public long finishedWhileDraining() {
        return finishedWhileDraining.get();
    }

    /** Since {@link #drain()}: records not started, or given up, to be redelivered by the consumer group. */
    public long handedBack() {
        return handedBack.get();
    }

    /** Stops retrying: records still in flight complete as ABANDONED, unacknowledged, to be redelivered. */
    @Override
    public void close() {
        closed = true;
        timer.shutdown(); // retries already scheduled still run, and find the handler closed
        retryWork.shutdown();
        for (CompletableFuture<Outcome> w : java.util.List.copyOf(waiting)) {
            w.complete(Outcome.ABANDONED);
        }
    }
}
