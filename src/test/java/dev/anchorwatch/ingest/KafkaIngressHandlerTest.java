package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.ExplanationSink;
import dev.anchorwatch.testsupport.CapturingSink;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;

/** The Kafka ingress's decisions (acknowledge, dead-letter, retry), with no broker and no framework. */
class KafkaIngressHandlerTest {

    final CapturingSink capture = new CapturingSink();
    final List<ExplanationRecord> published = capture.published();
    final List<String> deadLettered = new CopyOnWriteArrayList<>();
    final AtomicInteger deadLetterFailures = new AtomicInteger();


    final InferenceEventDecoder decoder = new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT);
    final EventIngress ingress = new EventIngress(decoder, new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()),
            new FakeEventExplainer(), new ExplanationPublisher(List.of(capture), Duration.ofSeconds(5)), 4,
            Duration.ofSeconds(5), 1, Clock.systemUTC());

    final List<String> retried = new CopyOnWriteArrayList<>();
    /** The handler's clock: moves only by the backoff delays, so ages are exact. */
    final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
    final List<String> deadLetterReasons = new CopyOnWriteArrayList<>();
    final KafkaIngressHandler.Listener listener = new KafkaIngressHandler.Listener() {
        @Override
        public void retried(String reason, Duration delay) {
            retried.add(reason + " " + delay.toMillis());
            clock.addAndGet(delay.toNanos());
        }

        @Override
        public void deadLettered(String reason) {
            deadLetterReasons.add(reason);
        }
    };
    final KafkaIngressHandler.DeadLetters writer = (d, status, category, reason) -> {
        if (deadLetterFailures.getAndDecrement() > 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("broker down"));
        }
        deadLettered.add(d.offset() + " " + status + " " + reason);
        return CompletableFuture.completedFuture(null);
    };

    final KafkaIngressHandler handler = handler(Duration.ofDays(1));

    KafkaIngressHandler handler(Duration maxAge) {
        return new KafkaIngressHandler(decoder, ingress, writer,
                new KafkaIngressHandler.Backoff(Duration.ofMillis(10), 3.0, Duration.ofMillis(200)), maxAge, listener,
                clock::get);
    }

    static KafkaIngressHandler.Delivery delivery(long offset, String id, String model, String body) {
        RecordHeaders h = KafkaLoggerEvents.headers(KServeEvents.SOURCE, id, InferenceEvent.REQUEST_TYPE, model,
                "application/json");
        return new KafkaIngressHandler.Delivery("t", 0, offset, null, h, KServeEvents.utf8(body));
    }

    KafkaIngressHandler.Outcome process(KafkaIngressHandler.Delivery d) throws Exception {
        return handler.process(d).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void explainedRecordsAreAcknowledgedOnceAndDuplicatesToo() throws Exception {
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, process(delivery(0, "u-1", "adult", KServeEvents.V1_REQUEST)));
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, process(delivery(1, "u-1", "adult", KServeEvents.V1_REQUEST)));
        assertEquals(1, published.size());
        assertTrue(deadLettered.isEmpty());
    }

    @Test
    void poisonIsDeadLetteredEvenWhenTheFirstWriteFails() throws Exception {
        deadLetterFailures.set(2);
        assertEquals(KafkaIngressHandler.Outcome.DEAD_LETTERED, process(delivery(7, "u-2", "adult", "{\"nope\": 1}")));
        assertEquals(1, deadLettered.size());
        assertTrue(deadLettered.get(0).startsWith("7 400 request has neither 'instances'"), deadLettered.get(0));
        assertEquals(List.of("dead_letter_write 10", "dead_letter_write 30"), retried, "the failed writes were retried");
        assertEquals(KafkaIngressHandler.Outcome.DEAD_LETTERED,
                process(delivery(8, "u-3", "unknown-model", KServeEvents.V1_REQUEST)));
        assertTrue(deadLettered.get(1).startsWith("8 422 unknown model"), deadLettered.get(1));
        assertEquals(ExplanationRecord.TYPE_FAILED, published.get(0).type());
    }

    @Test
    void transientFailuresAreRetriedUntilClosedAndThenAbandonedUnacknowledged() throws Exception {
        FakeEventExplainer.predictorUp = new CompletableFuture<>();
        FakeEventExplainer.downAttempts.set(0);
        CompletableFuture<KafkaIngressHandler.Outcome> outcome = handler
                .process(delivery(9, "u-4", "down-until-open", KServeEvents.V1_REQUEST)).toCompletableFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (FakeEventExplainer.downAttempts.get() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertFalse(outcome.isDone(), "still retrying: not acknowledged");
        assertTrue(deadLettered.isEmpty());
        handler.close();
        assertEquals(KafkaIngressHandler.Outcome.ABANDONED, outcome.get(10, TimeUnit.SECONDS));
        assertTrue(published.isEmpty());
    }

    @Test
    void backoffGrowsByItsFactorUpToItsMaximum() {
        KafkaIngressHandler.Backoff b = new KafkaIngressHandler.Backoff(Duration.ofMillis(100), 1.5, Duration.ofSeconds(1));
        assertEquals(List.of(100L, 150L, 225L, 337L, 506L, 759L, 1000L, 1000L),
                java.util.stream.IntStream.rangeClosed(1, 8).mapToObj(i -> b.after(i).toMillis()).toList());
        assertEquals(1000L, b.after(10_000).toMillis(), "no overflow after many failures");
        assertThrows(IllegalArgumentException.class,
                () -> new KafkaIngressHandler.Backoff(Duration.ofMillis(100), 0.5, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new KafkaIngressHandler.Backoff(Duration.ofSeconds(2), 2, Duration.ofSeconds(1)));
    }

    @Test
    void aRecordFailingPastItsMaxAgeIsDeadLetteredWithItsLastError() throws Exception {
        FakeEventExplainer.predictorUp = new CompletableFuture<>();
        FakeEventExplainer.downAttempts.set(0);
        KafkaIngressHandler old = handler(Duration.ofMillis(300));
        try {
            KafkaIngressHandler.Outcome outcome = old.process(delivery(11, "u-5", "down-until-open", KServeEvents.V1_REQUEST))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(KafkaIngressHandler.Outcome.DEAD_LETTERED, outcome);
        } finally {
            old.close();
        }
        // the waits grew 10, 30, 90, 200 (capped) ms; at the fifth failure the record was 330 ms old
        assertEquals(List.of("unavailable 10", "unavailable 30", "unavailable 90", "unavailable 200"), retried);
        assertEquals(5, FakeEventExplainer.downAttempts.get());
        assertEquals(List.of("11 503 gave up after 5 attempts in 0 s (max age PT0.3S); last error: 503 "
                + "predictor down"), deadLettered);
        assertEquals(List.of("max_age"), deadLetterReasons);
        assertTrue(published.isEmpty());
        assertEquals(0, old.inFlight());
    }

    @Test
    void progressAndPendingOffsetsAreTracked() throws Exception {
        FakeEventExplainer.release = new CompletableFuture<>();
        long before = handler.lastProgressNanos();
        CompletableFuture<KafkaIngressHandler.Outcome> held = handler
                .process(delivery(20, "u-6", "held", KServeEvents.V1_REQUEST)).toCompletableFuture();
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, process(delivery(21, "u-7", "adult", KServeEvents.V1_REQUEST)));
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition("t", 0);
        assertEquals(20, handler.lowestPending(tp).getAsLong(), "the held record keeps the partition's low mark");
        assertEquals(1, handler.inFlight());
        assertTrue(handler.lastProgressNanos() >= before, "finishing offset 21 is progress");
        FakeEventExplainer.release.complete(null);
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, held.get(10, TimeUnit.SECONDS));
        assertEquals(22, handler.lowestPending(tp).getAsLong(), "all finished: the next offset");
        assertEquals(0, handler.inFlight());
        assertTrue(handler.lowestPending(new org.apache.kafka.common.TopicPartition("t", 1)).isEmpty());
    }

    @Test
    void drainFinishesWhatIsInFlightHandsBackRetriesAndStartsNothingNew() throws Exception {
        FakeEventExplainer.release = new CompletableFuture<>();
        FakeEventExplainer.predictorUp = new CompletableFuture<>();
        FakeEventExplainer.downAttempts.set(0);
        // a retry waits an hour: the drain must hand the record back at once, not after its backoff
        KafkaIngressHandler handler = new KafkaIngressHandler(decoder, ingress, writer,
                new KafkaIngressHandler.Backoff(Duration.ofHours(1), Duration.ofHours(1)), Duration.ofDays(1), listener,
                clock::get);
        CompletableFuture<KafkaIngressHandler.Outcome> held = handler
                .process(delivery(30, "u-d1", "held", KServeEvents.V1_REQUEST)).toCompletableFuture();
        CompletableFuture<KafkaIngressHandler.Outcome> retrying = handler
                .process(delivery(31, "u-d2", "down-until-open", KServeEvents.V1_REQUEST)).toCompletableFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (handler.waitingForRetry() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(2, handler.inFlight());
        assertEquals(1, handler.waitingForRetry());

        assertEquals(1, handler.drain(), "one record is being explained; the other only waits for its retry");
        assertEquals(KafkaIngressHandler.Outcome.ABANDONED, retrying.get(10, TimeUnit.SECONDS),
                "a record waiting for a retry is handed back at once, unacknowledged");
        int attempts = FakeEventExplainer.downAttempts.get();
        assertEquals(1, attempts);
        assertEquals(KafkaIngressHandler.Outcome.ABANDONED, handler.process(delivery(32, "u-d3", "adult",
                KServeEvents.V1_REQUEST)).toCompletableFuture().get(10, TimeUnit.SECONDS), "a new record is not started");
        assertFalse(held.isDone(), "the record being explained goes on");

        FakeEventExplainer.release.complete(null);
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, held.get(10, TimeUnit.SECONDS));
        assertEquals(List.of("u-d1"), published.stream().map(ExplanationRecord::inferenceId).toList(),
                "only the record in flight was explained; u-d3 was never handed to the explainer");
        assertEquals(attempts, FakeEventExplainer.downAttempts.get(), "no retry after the drain");
        assertEquals(0, handler.inFlight());
        assertEquals(1, handler.finishedWhileDraining());
        assertEquals(2, handler.handedBack());
        assertTrue(deadLettered.isEmpty(), "nothing handed back is dead-lettered");
        handler.close();
    }

    @Test
    void theRecordsTraceIsCurrentAroundItsDecodingAndEachAttempt() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        KafkaIngressHandler traced = new KafkaIngressHandler(decoder, ingress, writer,
                new KafkaIngressHandler.Backoff(Duration.ofMillis(10), Duration.ofMillis(100)), Duration.ofDays(1),
                new KafkaIngressHandler.Listener() {
                    @Override
                    public AutoCloseable traced(TraceParent parent) {
                        calls.add("trace " + (parent == null ? null : parent.parentSpanId()));
                        return () -> calls.add("end trace");
                    }

                    @Override
                    public AutoCloseable decoding() {
                        calls.add("decode");
                        return () -> calls.add("end decode");
                    }
                }, System::nanoTime);
        try {
            KafkaIngressHandler.Delivery d = delivery(40, "u-t1", "adult", KServeEvents.V1_REQUEST);
            KafkaLoggerEvents.add((RecordHeaders) d.headers(), "ce_traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            assertEquals(KafkaIngressHandler.Outcome.HANDLED, traced.process(d).toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals(List.of("trace 00f067aa0ba902b7", "decode", "end decode", "end trace",
                    "trace 00f067aa0ba902b7", "end trace"), calls, "decode span inside the trace, then the attempt");
            calls.clear();
            assertEquals(KafkaIngressHandler.Outcome.HANDLED, traced.process(delivery(41, "u-t2", "adult",
                    KServeEvents.V1_REQUEST)).toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals("trace null", calls.get(0), "a record without a trace context continues none");
        } finally {
            traced.close();
        }
    }

    @Test
    void statusesThatAreDeadLettered() {
        assertTrue(KafkaIngressHandler.isPermanent(400));
        assertTrue(KafkaIngressHandler.isPermanent(422));
        assertTrue(KafkaIngressHandler.isPermanent(502));
        assertFalse(KafkaIngressHandler.isPermanent(429));
        assertFalse(KafkaIngressHandler.isPermanent(503));
        assertFalse(KafkaIngressHandler.isPermanent(500));
        assertTrue(KafkaIngressHandler.isPermanent(413), "larger than any admission allows: never admitted");
        assertEquals("undecodable", KafkaIngressHandler.deadLetterReason(400));
        assertEquals("unexplainable", KafkaIngressHandler.deadLetterReason(422));
        assertEquals("refused", KafkaIngressHandler.deadLetterReason(413));
        assertEquals("sink_refused", KafkaIngressHandler.deadLetterReason(502));
    }

    /** The WARN-or-worse lines logged under dev.anchorwatch while {@code body} runs, formatted. */
    static List<java.util.logging.LogRecord> warnings(ThrowingRunnable body) throws Exception {
        List<java.util.logging.LogRecord> lines = new CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    lines.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("dev.anchorwatch");
        root.addHandler(capture);
        try {
            body.run();
        } finally {
            root.removeHandler(capture);
        }
        return lines;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static String text(java.util.logging.LogRecord r) {
        return r instanceof org.jboss.logmanager.ExtLogRecord e ? e.getFormattedMessage() : r.getMessage();
    }

    /** One retry of a record whose explanation failed: exactly one line (EventIngress used to log a second). */
    @Test
    void oneRetryOfAFailedExplanationLogsExactlyOneLine() throws Exception {
        FakeEventExplainer.predictorUp = new CompletableFuture<>();
        FakeEventExplainer.downAttempts.set(0);
        KafkaIngressHandler h = new KafkaIngressHandler(decoder, ingress, writer,
                new KafkaIngressHandler.Backoff(Duration.ofMillis(10), 3.0, Duration.ofMillis(200)), Duration.ofDays(1),
                new KafkaIngressHandler.Listener() {
                    @Override
                    public void retried(String reason, Duration delay) {
                        retried.add(reason + " " + delay.toMillis());
                        FakeEventExplainer.predictorUp.complete(null); // the second attempt succeeds
                    }
                }, System::nanoTime);
        List<java.util.logging.LogRecord> lines = warnings(() -> assertEquals(KafkaIngressHandler.Outcome.HANDLED,
                h.process(delivery(30, "u-30", "down-until-open", KServeEvents.V1_REQUEST)).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS)));
        h.close();
        assertEquals(List.of("unavailable 10"), retried);
        assertEquals(1, lines.size(), lines.stream().map(KafkaIngressHandlerTest::text).toList().toString());
        assertEquals("record t-0@30 (inference u-30), attempt 1: unavailable, 503 predictor down; retrying in 10 ms",
                text(lines.get(0)));
        assertEquals(null, lines.get(0).getThrown(), "no stack trace");
        assertEquals(1, published.size());
    }

    /** One retry of a record whose publication failed (a sink down once): exactly one line too. */
    @Test
    void oneRetryOfAFailedPublicationLogsExactlyOneLine() throws Exception {
        AtomicInteger failures = new AtomicInteger(1);
        ExplanationSink downOnce = new ExplanationSink() {
            @Override
            public CompletionStage<Void> publish(ExplanationRecord r) {
                if (failures.getAndDecrement() > 0) {
                    return CompletableFuture.failedFuture(
                            new dev.anchorwatch.publish.PublishException("flaky", "sink down", true, null));
                }
                published.add(r);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public String name() {
                return "flaky";
            }
        };
        EventIngress flaky = new EventIngress(decoder, new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()),
                new FakeEventExplainer(), new ExplanationPublisher(List.of(downOnce), Duration.ofSeconds(5)), 4,
                Duration.ofSeconds(5), 1, Clock.systemUTC());
        KafkaIngressHandler h = new KafkaIngressHandler(decoder, flaky, writer,
                new KafkaIngressHandler.Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofDays(1),
                listener, System::nanoTime);
        List<java.util.logging.LogRecord> lines = warnings(() -> assertEquals(KafkaIngressHandler.Outcome.HANDLED,
                h.process(delivery(31, "u-31", "adult", KServeEvents.V1_REQUEST)).toCompletableFuture()
                        .get(10, TimeUnit.SECONDS)));
        h.close();
        assertEquals(List.of("unavailable 20"), retried);
        assertEquals(1, lines.size(), lines.stream().map(KafkaIngressHandlerTest::text).toList().toString());
        String line = text(lines.get(0));
        assertTrue(line.startsWith("record t-0@31 (inference u-31), attempt 1: unavailable, 503 "), line);
        assertTrue(line.contains("sink down") && line.endsWith("; retrying in 20 ms"), line);
        assertEquals(null, lines.get(0).getThrown(), "no stack trace");
        assertEquals(1, published.size());
    }

    /**
     * The handler's wall clock, in epoch milliseconds: starts at a fixed instant and moves with {@link #clock} (the
     * backoff delays), so record ages are exact.
     */
    long wallMillis() {
        return 1_800_000_000_000L + clock.get() / 1_000_000;
    }

    KafkaIngressHandler handlerWithWallClock(Duration maxAge) {
        return new KafkaIngressHandler(decoder,
                new Admission(new Admission.Limits(100, 1L << 40), Admission.Listener.NONE), ingress, writer,
                new KafkaIngressHandler.Backoff(Duration.ofMillis(10), 3.0, Duration.ofMillis(200)), maxAge, listener,
                clock::get, this::wallMillis);
    }

    static KafkaIngressHandler.Delivery written(long offset, String id, long timestampMillis) {
        KafkaIngressHandler.Delivery d = delivery(offset, id, "flaky", KServeEvents.V1_REQUEST);
        return new KafkaIngressHandler.Delivery(d.topic(), d.partition(), d.offset(), d.key(), d.headers(), d.value(),
                timestampMillis);
    }

    /**
     * Written 900 ms before this replica first sees it, max age 1 s: dead-lettered once 1 s has passed since it was
     * written and this replica has tried it for the grace of one maximum backoff (200 ms), at the fifth failure
     * (330 ms here); counted from first sight it would take nine failures (1130 ms).
     */
    @Test
    void theMaxAgeCountsFromTheRecordsTimestamp() throws Exception {
        KafkaIngressHandler h = handlerWithWallClock(Duration.ofSeconds(1));
        try {
            assertEquals(KafkaIngressHandler.Outcome.DEAD_LETTERED, h.process(written(40, "u-40", wallMillis() - 900))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS));
        } finally {
            h.close();
        }
        assertEquals(List.of("unavailable 10", "unavailable 30", "unavailable 90", "unavailable 200"), retried);
        assertEquals(List.of("40 503 gave up after 5 attempts in 0 s here, written 1 s ago (max age PT1S); "
                + "last error: 503 predictor down"), deadLettered);
        assertEquals(List.of("max_age"), deadLetterReasons);
    }

    /**
     * A rebalance hands a record written long ago to a replica that never saw it: its age does not start again there
     * (with max age 1 h, it is dead-lettered after the 200 ms grace, not after another hour).
     */
    @Test
    void aRecordPastItsAgeOnANewReplicaIsDeadLetteredAfterTheGraceOnly() throws Exception {
        KafkaIngressHandler replica = handlerWithWallClock(Duration.ofHours(1));
        try {
            assertEquals(KafkaIngressHandler.Outcome.DEAD_LETTERED,
                    replica.process(written(41, "u-41", wallMillis() - Duration.ofHours(2).toMillis()))
                            .toCompletableFuture().get(10, TimeUnit.SECONDS));
        } finally {
            replica.close();
        }
        assertEquals(4, retried.size(), "tried for the grace first: " + retried);
        assertTrue(deadLettered.get(0).contains("written 7200 s ago"), deadLettered.get(0));
    }

    /** Without a timestamp, and with one in the future (a producer's skewed clock), the age counts from first sight. */
    @Test
    void withoutAUsableTimestampTheAgeCountsFromFirstSight() throws Exception {
        KafkaIngressHandler h = handlerWithWallClock(Duration.ofMillis(300));
        try {
            assertEquals(KafkaIngressHandler.Outcome.DEAD_LETTERED, h.process(written(42, "u-42", -1))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals(List.of("unavailable 10", "unavailable 30", "unavailable 90", "unavailable 200"), retried);
            retried.clear();
            clock.set(0);
            assertEquals(KafkaIngressHandler.Outcome.DEAD_LETTERED,
                    h.process(written(43, "u-43", wallMillis() + Duration.ofHours(1).toMillis()))
                            .toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals(List.of("unavailable 10", "unavailable 30", "unavailable 90", "unavailable 200"), retried);
        } finally {
            h.close();
        }
        assertEquals("42 503 gave up after 5 attempts in 0 s (max age PT0.3S); last error: 503 predictor down",
                deadLettered.get(0));
    }
}
