package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.KafkaLoggerEvents;

/** Dead-letter copies: whole when they fit, truncated with the original's coordinates when they would not. */
class KafkaDeadLettersTest {

    static KafkaIngressHandler.Delivery delivery(int valueBytes) {
        RecordHeaders h = KafkaLoggerEvents.headers(KServeEvents.SOURCE, "dl-1", InferenceEvent.REQUEST_TYPE, "adult",
                "application/json");
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'x');
        return new KafkaIngressHandler.Delivery("in", 3, 42, "dl-1".getBytes(StandardCharsets.UTF_8), h, value);
    }

    static String header(ProducerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static int size(ProducerRecord<byte[], byte[]> r) {
        int n = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        for (Header h : r.headers()) {
            n += h.key().length() + h.value().length;
        }
        return n;
    }

    final MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    final KafkaDeadLetters deadLetters = new KafkaDeadLetters(producer, "dlq", 10_000);

    @Test
    void aCopyThatFitsIsWholeWithItsReasonAndCoordinates() {
        ProducerRecord<byte[], byte[]> r = deadLetters.copy(delivery(1000), 400, "undecodable", "body is not JSON", 10_000);
        assertEquals(1000, r.value().length);
        assertEquals("dl-1", new String(r.key(), StandardCharsets.UTF_8));
        assertEquals("dl-1", header(r, "ce_id"), "the original headers are kept");
        assertEquals("body is not JSON", header(r, KafkaDeadLetters.REASON));
        assertEquals("undecodable", header(r, KafkaDeadLetters.CATEGORY));
        assertEquals("400", header(r, KafkaDeadLetters.STATUS));
        assertEquals("in", header(r, KafkaDeadLetters.TOPIC));
        assertEquals("3", header(r, KafkaDeadLetters.PARTITION));
        assertEquals("42", header(r, KafkaDeadLetters.OFFSET));
        assertNull(header(r, KafkaDeadLetters.TRUNCATED));
    }

    @Test
    void aCopyThatWouldNotFitIsTruncatedToTheLimit() {
        ProducerRecord<byte[], byte[]> r = deadLetters.copy(delivery(1_048_000), 400, "undecodable", "body is not JSON",
                10_000);
        assertTrue(size(r) <= 10_000 - KafkaDeadLetters.OVERHEAD, "fits: " + size(r));
        assertTrue(r.value().length > 5_000, "keeps as much of the value as fits: " + r.value().length);
        assertEquals("true", header(r, KafkaDeadLetters.TRUNCATED));
        assertEquals(Integer.toString(1_048_000 + 4), header(r, KafkaDeadLetters.ORIGINAL_SIZE), "key + value");
        assertEquals("42", header(r, KafkaDeadLetters.OFFSET));
        assertEquals("dl-1", header(r, "ce_id"));
    }

    @Test
    void hugeHeadersAreDroppedBeforeTheCoordinates() {
        KafkaIngressHandler.Delivery d = delivery(10);
        RecordHeaders big = new RecordHeaders();
        big.add("ce_id", "dl-1".getBytes(StandardCharsets.UTF_8));
        big.add("ce_metadata", new byte[50_000]);
        d = new KafkaIngressHandler.Delivery(d.topic(), d.partition(), d.offset(), d.key(), big, d.value());
        ProducerRecord<byte[], byte[]> r = deadLetters.copy(d, 400, "undecodable", "x".repeat(10_000), 10_000);
        assertTrue(size(r) <= 10_000, "fits: " + size(r));
        assertNull(header(r, "ce_metadata"));
        assertEquals("true", header(r, KafkaDeadLetters.TRUNCATED));
        assertEquals(2003, header(r, KafkaDeadLetters.REASON).length(), "the reason is capped at 2000 chars + ...");
    }

    @Test
    void aBrokerThatStillRefusesTheCopyGetsTheCoordinatesAlone() throws Exception {
        CompletableFuture<Void> done = deadLetters.send(delivery(5_000), 422, "unexplainable", "unknown model")
                .toCompletableFuture();
        producer.errorNext(new RecordTooLargeException("topic max.message.bytes is 1000"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (producer.history().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(producer.completeNext());
        done.get(5, TimeUnit.SECONDS);
        ProducerRecord<byte[], byte[]> last = producer.history().get(1);
        assertEquals(0, last.value().length);
        assertNull(last.key());
        assertNull(header(last, "ce_id"));
        assertEquals("42", header(last, KafkaDeadLetters.OFFSET));
        assertEquals("true", header(last, KafkaDeadLetters.TRUNCATED));
        assertEquals("5004", header(last, KafkaDeadLetters.ORIGINAL_SIZE));
    }
}
