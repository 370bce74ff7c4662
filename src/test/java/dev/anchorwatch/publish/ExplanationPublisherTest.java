package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

class ExplanationPublisherTest {

    record FakeSink(String name, Supplier<CompletionStage<Void>> answer) implements ExplanationSink {
        @Override
        public CompletionStage<Void> publish(ExplanationRecord record) {
            return answer.get();
        }
    }

    static FakeSink ok(String name) {
        return new FakeSink(name, () -> CompletableFuture.completedFuture(null));
    }

    @Test
    void completesWhenEverySinkCompleted() {
        CompletableFuture<Void> slow = new CompletableFuture<>();
        ExplanationPublisher p = new ExplanationPublisher(List.of(ok("log"), new FakeSink("kafka", () -> slow)),
                Duration.ofSeconds(5));
        CompletableFuture<Void> done = p.publish(Samples.explanation("i")).toCompletableFuture();
        assertFalse(done.isDone(), "must wait for the slow sink");
        slow.complete(null);
        done.join();
        assertEquals(List.of("log", "kafka"), p.sinkNames());
    }

    @Test
    void failsWhenOneSinkFailsAndNamesIt() {
        ExplanationPublisher p = new ExplanationPublisher(List.of(ok("log"),
                new FakeSink("postgres", () -> CompletableFuture.failedFuture(new PublishException("postgres", "down", true))),
                new FakeSink("http", () -> { throw new IllegalStateException("boom"); })), Duration.ofSeconds(5));
        CompletionException e = assertThrows(CompletionException.class,
                () -> p.publish(Samples.explanation("i")).toCompletableFuture().join());
        PublishException pe = assertInstanceOf(PublishException.class, e.getCause());
        assertTrue(pe.retryable());
        assertEquals("postgres,http", pe.sink());
        assertTrue(pe.getMessage().contains("postgres: down"), pe.getMessage());
    }

    @Test
    void permanentOnlyWhenEveryFailureIsPermanent() {
        ExplanationPublisher p = new ExplanationPublisher(List.of(
                new FakeSink("http", () -> CompletableFuture.failedFuture(new PublishException("http", "400", false)))),
                Duration.ofSeconds(5));
        CompletionException e = assertThrows(CompletionException.class,
                () -> p.publish(Samples.explanation("i")).toCompletableFuture().join());
        assertFalse(assertInstanceOf(PublishException.class, e.getCause()).retryable());
    }

    @Test
    void aSinkThatNeverAnswersTimesOut() {
        ExplanationPublisher p = new ExplanationPublisher(List.of(new FakeSink("kafka", CompletableFuture::new)),
                Duration.ofMillis(100));
        CompletionException e = assertThrows(CompletionException.class,
                () -> p.publish(Samples.explanation("i")).toCompletableFuture().join());
        PublishException pe = assertInstanceOf(PublishException.class, e.getCause());
        assertTrue(pe.retryable());
        assertTrue(pe.getMessage().contains("no answer within"), pe.getMessage());
    }

    /** A sink that records what it was given and fails while {@code down} is set. */
    static final class CountingSink implements ExplanationSink {
        final String name;
        final List<ExplanationRecord> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean down;

        CountingSink(String name) {
            this.name = name;
        }

        @Override
        public CompletionStage<Void> publish(ExplanationRecord record) {
            if (down) {
                return CompletableFuture.failedFuture(new PublishException(name, "down", true));
            }
            got.add(record);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public String name() {
            return name;
        }
    }

    @Test
    void aRetryGoesOnlyToTheSinksThatMissedTheIdenticalRecord() {
        CountingSink kafka = new CountingSink("kafka");
        CountingSink postgres = new CountingSink("postgres");
        List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExplanationPublisher p = new ExplanationPublisher(List.of(kafka, postgres), Duration.ofSeconds(5), 1 << 20,
                (sink, ok, nanos) -> answers.add(sink + (ok ? " ok" : " error")));
        ExplanationRecord r = Samples.explanation("led-1");
        postgres.down = true;
        for (int attempt = 0; attempt < 3; attempt++) {
            assertThrows(CompletionException.class, () -> p.publish(r).toCompletableFuture().join());
        }
        assertEquals(r, p.remembered(r.explanationId()).orElseThrow(), "remembered while postgres misses it");
        assertTrue(p.unfinished(r.explanationId()));
        assertTrue(p.ledgerBytesUsed() > r.bodyLength());
        postgres.down = false;
        p.publish(r).toCompletableFuture().join();
        assertEquals(1, kafka.got.size(), "kafka took it once, not on every retry");
        assertEquals(List.of(r), postgres.got);
        assertFalse(p.unfinished(r.explanationId()), "every sink has it");
        p.publish(r).toCompletableFuture().join(); // redelivered once more: sent nowhere
        assertEquals(1, kafka.got.size());
        assertEquals(1, postgres.got.size());
        assertEquals(List.of("kafka ok", "postgres error", "postgres error", "postgres error",
                "postgres ok").stream().sorted().toList(), answers.stream().sorted().toList());
    }

    @Test
    void aDifferentRecordUnderTheSameIdGoesToEverySink() {
        CountingSink kafka = new CountingSink("kafka");
        CountingSink postgres = new CountingSink("postgres");
        ExplanationPublisher p = new ExplanationPublisher(List.of(kafka, postgres), Duration.ofSeconds(5), 1 << 20,
                ExplanationPublisher.Listener.NONE);
        ExplanationRecord r = Samples.explanation("led-2");
        postgres.down = true;
        assertThrows(CompletionException.class, () -> p.publish(r).toCompletableFuture().join());
        postgres.down = false;
        ExplanationRecord changed = r.withServedPrediction("1");
        p.publish(changed).toCompletableFuture().join();
        assertEquals(List.of(r, changed), kafka.got);
        assertEquals(List.of(changed), postgres.got);
    }

    @Test
    void theLedgerIsBoundedInBytesForgettingTheOldest() {
        CountingSink kafka = new CountingSink("kafka");
        CountingSink postgres = new CountingSink("postgres");
        java.util.concurrent.atomic.AtomicInteger evicted = new java.util.concurrent.atomic.AtomicInteger();
        ExplanationRecord first = Samples.explanation("led-3");
        long entry = ExplanationPublisher.ENTRY_OVERHEAD + first.bodyLength() + 2L * 2 /* "0" twice, UTF-16 */;
        ExplanationPublisher p = new ExplanationPublisher(List.of(kafka, postgres), Duration.ofSeconds(5), 2 * entry,
                new ExplanationPublisher.Listener() {
                    @Override
                    public void published(String sink, boolean ok, long nanos) {
                    }

                    @Override
                    public void ledgerEvicted() {
                        evicted.incrementAndGet();
                    }
                });
        postgres.down = true;
        for (String id : List.of("led-3", "led-4", "led-5")) {
            assertThrows(CompletionException.class,
                    () -> p.publish(Samples.explanation(id)).toCompletableFuture().join());
        }
        assertEquals(2 * entry, p.ledgerBytesUsed());
        assertEquals(1, evicted.get());
        assertTrue(p.remembered(first.explanationId()).isEmpty(), "the oldest was forgotten");
        assertTrue(p.remembered(Samples.explanation("led-5").explanationId()).isPresent());
        postgres.down = false;
        p.publish(first).toCompletableFuture().join();
        assertEquals(4, kafka.got.size(), "a forgotten entry is sent to every sink again");
    }

    @Test
    void aSendStillUnderWayAfterTheTimeoutIsAwaitedNotRepeatedAndItsLateSuccessCounts() {
        List<CompletableFuture<Void>> kafkaSends = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExplanationSink kafka = new FakeSink("kafka", () -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            kafkaSends.add(f);
            return f;
        });
        CountingSink postgres = new CountingSink("postgres");
        ExplanationPublisher p = new ExplanationPublisher(List.of(kafka, postgres), Duration.ofMillis(50), 1 << 20,
                ExplanationPublisher.Listener.NONE);
        ExplanationRecord r = Samples.explanation("led-6");
        // the broker is away: the send neither succeeds nor fails within the publication timeout
        assertThrows(CompletionException.class, () -> p.publish(r).toCompletableFuture().join());
        assertThrows(CompletionException.class, () -> p.publish(r).toCompletableFuture().join());
        assertEquals(1, kafkaSends.size(), "the retry waits for the send under way instead of sending again");
        assertEquals(1, postgres.got.size());
        kafkaSends.get(0).complete(null); // the broker is back and acknowledges the first send
        assertFalse(p.unfinished(r.explanationId()), "the late acknowledgement completed the ledger entry");
        assertEquals(r, p.remembered(r.explanationId()).orElseThrow(), "and the redelivery will reuse it");
        p.publish(r).toCompletableFuture().join(); // a redelivery within the window: nothing missing
        assertEquals(1, postgres.got.size(), "each sink got it once");
    }
}
