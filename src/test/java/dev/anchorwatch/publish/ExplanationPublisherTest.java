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
}
