package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.anchorwatch.testsupport.KafkaLoggerEvents;

/** The Kafka ingress's decisions (acknowledge, dead-letter, retry), with no broker and no framework. */
class KafkaIngressHandlerTest {

    final List<ExplanationRecord> published = new CopyOnWriteArrayList<>();
    final List<String> deadLettered = new CopyOnWriteArrayList<>();
    final AtomicInteger deadLetterFailures = new AtomicInteger();

    final ExplanationSink capture = new ExplanationSink() {
        @Override
        public CompletionStage<Void> publish(ExplanationRecord r) {
            published.add(r);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public String name() {
            return "capture";
        }
    };

    final InferenceEventDecoder decoder = new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT);
    final EventIngress ingress = new EventIngress(decoder, new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()),
            new FakeEventExplainer(), new ExplanationPublisher(List.of(capture), Duration.ofSeconds(5)), 4,
            Duration.ofSeconds(5), 1, Clock.systemUTC());

    final KafkaIngressHandler handler = new KafkaIngressHandler(decoder, ingress, (d, status, reason) -> {
        if (deadLetterFailures.getAndDecrement() > 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("broker down"));
        }
        deadLettered.add(d.offset() + " " + status + " " + reason);
        return CompletableFuture.completedFuture(null);
    }, new KafkaIngressHandler.Backoff(Duration.ofMillis(10), Duration.ofMillis(40)));

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
    void statusesThatAreDeadLettered() {
        assertTrue(KafkaIngressHandler.isPermanent(400));
        assertTrue(KafkaIngressHandler.isPermanent(422));
        assertTrue(KafkaIngressHandler.isPermanent(502));
        assertFalse(KafkaIngressHandler.isPermanent(429));
        assertFalse(KafkaIngressHandler.isPermanent(503));
        assertFalse(KafkaIngressHandler.isPermanent(500));
    }
}
