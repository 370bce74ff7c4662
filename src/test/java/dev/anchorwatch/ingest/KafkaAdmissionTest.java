package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.testsupport.CapturingSink;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;

/**
 * Kafka records are decoded under the same {@link Admission} as HTTP bodies: a record that does not fit now waits
 * (retried, counted), one that can never fit is dead-lettered, and the bytes reserved never pass the budget.
 */
class KafkaAdmissionTest {

    /** A valid V1 request padded with spaces to {@code size} bytes: it inflates from a few hundred bytes. */
    static String padded(int size) {
        StringBuilder b = new StringBuilder(KServeEvents.V1_REQUEST);
        b.setLength(b.length() - 1);
        while (b.length() < size - 1) {
            b.append(' ');
        }
        return b.append('}').toString();
    }

    static KafkaIngressHandler.Delivery gzipped(long offset, String id, int inflatedBytes) {
        RecordHeaders h = KafkaLoggerEvents.headers(KServeEvents.SOURCE, id, InferenceEvent.REQUEST_TYPE, "adult",
                "application/json");
        return new KafkaIngressHandler.Delivery("t", 0, offset, null, h, KServeEvents.gzip(padded(inflatedBytes)));
    }

    final CapturingSink capture = new CapturingSink();
    final List<ExplanationRecord> published = capture.published();
    final List<String> deadLettered = new CopyOnWriteArrayList<>();
    final List<String> retried = new CopyOnWriteArrayList<>();
    final List<String> refused = new CopyOnWriteArrayList<>();


    final InferenceEventDecoder decoder = new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT);
    final EventIngress ingress = new EventIngress(decoder, new Pairing(1000, Duration.ofMinutes(10), Clock.systemUTC()),
            new FakeEventExplainer(), new ExplanationPublisher(List.of(capture), Duration.ofSeconds(5)), 64,
            Duration.ofSeconds(5), 1, Clock.systemUTC());

    KafkaIngressHandler handler;

    KafkaIngressHandler handler(Admission admission) {
        handler = new KafkaIngressHandler(decoder, admission, ingress, (d, status, category, reason) -> {
            deadLettered.add(d.offset() + " " + status + " " + category);
            return CompletableFuture.completedFuture(null);
        }, new KafkaIngressHandler.Backoff(Duration.ofMillis(5), 2.0, Duration.ofMillis(40)), Duration.ofMinutes(5),
                new KafkaIngressHandler.Listener() {
                    @Override
                    public void retried(String reason, Duration delay) {
                        retried.add(reason);
                    }

                    @Override
                    public void refused(String reason) {
                        refused.add(reason);
                    }
                }, System::nanoTime, System::currentTimeMillis);
        return handler;
    }

    @AfterEach
    void close() {
        if (handler != null) {
            handler.close();
        }
    }

    /**
     * Many records that inflate from about 1 KB to 100 KB (each reserving about 1 MB while decoded and explained:
     * its bytes, the inflated chunks, the joined body and the parse at 8x), and a few that inflate to 400 KB (about
     * 4.4 MB, more than the whole 2.5 MB budget), from 8 threads at once: the bytes reserved never pass the budget,
     * the large ones are dead-lettered as refused without being inflated past it, every other one is explained.
     */
    @Test
    void inflatingRecordsStayWithinTheByteBudgetAndAllEnd() throws Exception {
        long budget = 2_500_000;
        Admission admission = new Admission(new Admission.Limits(3, budget), Admission.Listener.NONE);
        KafkaIngressHandler h = handler(admission);
        List<KafkaIngressHandler.Delivery> records = new ArrayList<>();
        int large = 0;
        for (int i = 0; i < 40; i++) {
            boolean tooLarge = i % 10 == 7;
            large += tooLarge ? 1 : 0;
            records.add(gzipped(i, "adm-" + i, tooLarge ? 400_000 : 100_000));
        }
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<KafkaIngressHandler.Outcome>> outcomes = new ArrayList<>();
        try {
            for (KafkaIngressHandler.Delivery d : records) {
                outcomes.add(threads.submit(() -> h.process(d).toCompletableFuture().get(60, TimeUnit.SECONDS)));
            }
            int handled = 0;
            int dead = 0;
            for (Future<KafkaIngressHandler.Outcome> f : outcomes) {
                KafkaIngressHandler.Outcome o = f.get(90, TimeUnit.SECONDS);
                handled += o == KafkaIngressHandler.Outcome.HANDLED ? 1 : 0;
                dead += o == KafkaIngressHandler.Outcome.DEAD_LETTERED ? 1 : 0;
            }
            assertEquals(40 - large, handled);
            assertEquals(large, dead);
        } finally {
            threads.shutdownNow();
        }
        assertEquals(40 - large, published.size(), "every record that fits is explained once");
        assertEquals(large, deadLettered.size());
        assertTrue(deadLettered.stream().allMatch(d -> d.endsWith(" 413 refused")), deadLettered.toString());
        assertTrue(admission.peakBytes() <= budget, "peak " + admission.peakBytes() + " > budget " + budget);
        assertTrue(admission.peakBytes() >= 1_000_000,
                "decoding a 100 KB body is charged (its bytes, chunks, joined body and parse): peak " + admission.peakBytes());
        assertEquals(0, admission.bytesInFlight(), "every ticket closed");
        assertEquals(0, admission.decodesInFlight());
        assertEquals(0, h.inFlight());
        assertEquals(large, refused.stream().filter("too_large"::equals).count());
    }

    /** A record that does not fit while others hold the budget is not decoded: it waits, then is explained. */
    @Test
    void aRecordThatDoesNotFitNowWaitsAndIsExplainedOnceRoomIsMade() throws Exception {
        Admission admission = new Admission(new Admission.Limits(4, 2_500_000), Admission.Listener.NONE);
        KafkaIngressHandler h = handler(admission);
        Admission.Ticket other = admission.admit("ingest", 2_000_000); // an HTTP body being handled
        CompletableFuture<KafkaIngressHandler.Outcome> outcome = h.process(gzipped(0, "adm-wait", 100_000))
                .toCompletableFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (retried.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(retried.size() >= 3, "retried while the budget is held: " + retried);
        assertTrue(retried.stream().allMatch("bytes"::equals), retried.toString());
        assertTrue(refused.stream().allMatch("bytes"::equals) && refused.size() >= 3, refused.toString());
        assertTrue(!outcome.isDone() && published.isEmpty(), "not acknowledged, not explained while it waits");
        assertEquals(1, h.inFlight());
        assertTrue(admission.peakBytes() <= 2_500_000);
        other.close();
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, outcome.get(10, TimeUnit.SECONDS));
        assertEquals(1, published.size());
        assertEquals(0, admission.bytesInFlight());
    }

    /** Every decode place taken (by HTTP bodies being read): the record waits for one, reason busy. */
    @Test
    void aRecordWaitsForADecodePlace() throws Exception {
        Admission admission = new Admission(new Admission.Limits(1, 10_000_000), Admission.Listener.NONE);
        KafkaIngressHandler h = handler(admission);
        Admission.Ticket reading = admission.admit("ingest", 10);
        CompletableFuture<KafkaIngressHandler.Outcome> outcome = h.process(gzipped(0, "adm-busy", 1_000))
                .toCompletableFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (retried.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals("busy", retried.get(0));
        reading.close();
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, outcome.get(10, TimeUnit.SECONDS));
        assertEquals(0, admission.decodesInFlight());
    }
}
