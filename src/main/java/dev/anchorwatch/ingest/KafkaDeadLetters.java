package dev.anchorwatch.ingest;

import dev.anchorwatch.publish.KafkaExplanationSink;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka ingress's dead-letter topic: each poison record is written there as it came (key, value and every
 * header, so a binary-mode CloudEvent stays one), plus headers that say why and where from:
 * <ul>
 * <li>{@value #REASON}: the reason, as the HTTP ingress would have answered it;</li>
 * <li>{@value #STATUS}: the HTTP status the HTTP ingress would have answered (400, 413, 422 or 502; 429 or 503
 * for a record that kept failing past its maximum age);</li>
 * <li>{@value #CATEGORY}: the reason in one word (undecodable, unexplainable, refused, sink_refused, max_age);</li>
 * <li>{@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET}: where the record was read.</li>
 * </ul>
 * The names follow the SmallRye Kafka connector's own dead-letter headers, so tools that read those read these.
 *
 * <p>A copy that would exceed {@code maxRecordBytes} (keep it below the topic's {@code max.message.bytes} and
 * the producer's {@code max.request.size}) is truncated: the value is cut to fit (and, if the original headers
 * alone do not fit, they are dropped), with {@value #TRUNCATED}{@code =true} and {@value #ORIGINAL_SIZE} (key +
 * value bytes of the original) added; the coordinates above always say where the whole record is. If the broker
 * still refuses the copy as too large (a topic limit lower than configured), it is sent once more with no value
 * and none of the original headers.
 * The producer is idempotent with {@code acks=all}; it is created at the first poison record, so a deployment
 * that never meets one never connects it.
 */
public final class KafkaDeadLetters implements KafkaIngressHandler.DeadLetters, AutoCloseable {

    public static final String REASON = "dead-letter-reason";
    public static final String STATUS = "dead-letter-status";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";
    /** The reason in one word: undecodable, unexplainable, refused, sink_refused or max_age. */
    public static final String CATEGORY = "dead-letter-category";
    public static final String TRUNCATED = "dead-letter-truncated";
    public static final String ORIGINAL_SIZE = "dead-letter-original-size";
    /** Room for the record batch's own overhead, the timestamp and the varints of each field. */
    static final int OVERHEAD = 512;

    private final String topic;
    private final int maxRecordBytes;
    private final Map<String, Object> config;
    private Producer<byte[], byte[]> producer;
    private boolean closed;

    /**
     * @param maxRecordBytes largest dead-letter record written (key, value and headers); larger copies are truncated
     * @param overrides      any producer property; acks, idempotence and the serializers are forced
     */
    public KafkaDeadLetters(String bootstrapServers, String topic, int maxRecordBytes, Map<String, ?> overrides) {
        this.topic = topic;
        this.maxRecordBytes = checkMax(maxRecordBytes);
        this.config = KafkaExplanationSink.durableProducer(bootstrapServers, "anchorwatch-dead-letters", overrides);
    }

    /** With a given producer (tests). */
    KafkaDeadLetters(Producer<byte[], byte[]> producer, String topic, int maxRecordBytes) {
        this.topic = topic;
        this.maxRecordBytes = checkMax(maxRecordBytes);
        this.config = Map.of();
        this.producer = producer;
    }

    @Override
    public CompletionStage<Void> send(KafkaIngressHandler.Delivery d, int status, String category, String reason) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        send(copy(d, status, category, reason, maxRecordBytes), done, () -> minimal(d, status, category, reason));
        return done;
    }

    private void send(ProducerRecord<byte[], byte[]> record, CompletableFuture<Void> done,
            java.util.function.Supplier<ProducerRecord<byte[], byte[]>> ifTooLarge) {
        try {
            producer().send(record, (metadata, error) -> {
                if (error == null) {
                    done.complete(null);
                } else if (error instanceof RecordTooLargeException && ifTooLarge != null) {
                    send(ifTooLarge.get(), done, null);
                } else {
                    done.completeExceptionally(error);
                }
            });
        } catch (RecordTooLargeException e) {
            if (ifTooLarge != null) {
                send(ifTooLarge.get(), done, null);
            } else {
                done.completeExceptionally(e);
            }
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    /** The dead-letter copy of a record, truncated to at most {@code max} bytes (estimated, headers included). */
    ProducerRecord<byte[], byte[]> copy(KafkaIngressHandler.Delivery d, int status, String category, String reason,
            int max) {
        RecordHeaders ours = coordinates(d, status, category, reason);
        RecordHeaders original = new RecordHeaders();
        if (d.headers() != null) {
            for (Header h : d.headers()) {
                if (!h.key().startsWith("dead-letter-")) {
                    original.add(h.key(), h.value());
                }
            }
        }
        byte[] key = d.key();
        byte[] value = d.value();
        int fixed = OVERHEAD + size(ours) + 64 + (key == null ? 0 : key.length);
        if (fixed + size(original) + (value == null ? 0 : value.length) <= max) {
            RecordHeaders all = new RecordHeaders();
            original.forEach(all::add);
            ours.forEach(all::add);
            return new ProducerRecord<>(topic, null, key, value, all);
        }
        ours.add(TRUNCATED, utf8("true"));
        ours.add(ORIGINAL_SIZE, utf8(Integer.toString(d.size())));
        RecordHeaders all = new RecordHeaders();
        int room = max - fixed;
        if (size(original) <= room / 2) {
            original.forEach(all::add);
            room -= size(original);
        }
        ours.forEach(all::add);
        if (key != null && key.length > Math.max(0, room)) {
            key = null;
        }
        int keep = value == null ? 0 : Math.max(0, Math.min(value.length, room));
        byte[] cut = value == null ? null : Arrays.copyOf(value, keep);
        return new ProducerRecord<>(topic, null, key, cut, all);
    }

    /** The last resort: the coordinates and the reason, nothing of the record itself. */
    ProducerRecord<byte[], byte[]> minimal(KafkaIngressHandler.Delivery d, int status, String category, String reason) {
        RecordHeaders h = coordinates(d, status, category, reason);
        h.add(TRUNCATED, utf8("true"));
        h.add(ORIGINAL_SIZE, utf8(Integer.toString(d.size())));
        return new ProducerRecord<byte[], byte[]>(topic, null, (byte[]) null, new byte[0], h);
    }

    private static RecordHeaders coordinates(KafkaIngressHandler.Delivery d, int status, String category,
            String reason) {
        RecordHeaders headers = new RecordHeaders();
        String why = reason == null ? "unknown" : reason;
        if (why.length() > 2000) {
            why = why.substring(0, 2000) + "...";
        }
        headers.add(REASON, utf8(why));
        headers.add(STATUS, utf8(Integer.toString(status)));
        headers.add(CATEGORY, utf8(category == null ? "unknown" : category));
        headers.add(TOPIC, utf8(d.topic()));
        headers.add(PARTITION, utf8(Integer.toString(d.partition())));
        headers.add(OFFSET, utf8(Long.toString(d.offset())));
        return headers;
    }

    private static int size(RecordHeaders headers) {
        int n = 0;
        for (Header h : headers) {
            n += h.key().length() + (h.value() == null ? 0 : h.value().length) + 8;
        }
        return n;
    }

    private static int checkMax(int max) {
        if (max < 4 * OVERHEAD) {
            throw new IllegalArgumentException("dead-letter max record bytes must be at least " + 4 * OVERHEAD);
        }
        return max;
    }

    public String topic() {
        return topic;
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (closed) {
            throw new IllegalStateException("dead-letter producer closed");
        }
        if (producer == null) {
            producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
