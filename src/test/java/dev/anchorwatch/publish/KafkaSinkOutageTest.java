package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.InJvmKafka;

/**
 * Issue 7, item 8: with the broker down, a Kafka send blocks for {@code max.block.ms} while it waits for metadata.
 * The sink must not make its caller (an explanation worker) wait for that: it hands the record over and returns,
 * and beyond a few waiting records, or once the broker is known unreachable, it fails at once (retryable: 503).
 */
class KafkaSinkOutageTest {

    static PublishException failure(CompletableFuture<Void> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return assertInstanceOf(PublishException.class, e.getCause());
    }

    @Test
    void aStoppedBrokerNeverHoldsTheCallerAndExtraRecordsFailFast() throws Exception {
        InJvmKafka kafka = InJvmKafka.start();
        String bootstrap = kafka.bootstrapServers();
        kafka.close(); // the in-JVM broker, stopped
        try (KafkaExplanationSink sink = KafkaExplanationSink.create(bootstrap, "explanations-outage",
                Map.of("max.block.ms", "3000", "request.timeout.ms", "1000", "delivery.timeout.ms", "3000"), 2)) {
            Thread caller = Thread.currentThread();
            CompletableFuture<Void> first = sink.publish(Samples.explanation("outage-1")).toCompletableFuture();
            assertFalse(first.isDone(), "publish returned while the send still waits for the broker: the caller is free");
            CompletableFuture<Void> second = sink.publish(Samples.explanation("outage-2")).toCompletableFuture();
            CompletableFuture<Void> third = sink.publish(Samples.explanation("outage-3")).toCompletableFuture();
            assertFalse(second.isDone());
            assertFalse(third.isDone());
            assertEquals(3, sink.waiting());

            CompletableFuture<Void> fourth = sink.publish(Samples.explanation("outage-4")).toCompletableFuture();
            assertTrue(fourth.isCompletedExceptionally(), "beyond the waiting bound: refused at once");
            PublishException full = failure(fourth);
            assertTrue(full.retryable(), full.getMessage());
            assertTrue(full.getMessage().contains("wait for the producer"), full.getMessage());

            PublishException timedOut = failure(first);
            assertTrue(timedOut.retryable(), timedOut.getMessage());
            assertEquals(Thread.currentThread(), caller);

            CompletableFuture<Void> fifth = sink.publish(Samples.explanation("outage-5")).toCompletableFuture();
            assertTrue(fifth.isCompletedExceptionally(), "broker known unreachable and a record already waiting: at once");
            assertTrue(failure(fifth).getMessage().contains("unreachable"), failure(fifth).getMessage());
            assertTrue(failure(second).retryable());
            assertTrue(failure(third).retryable());
        }
    }
}
