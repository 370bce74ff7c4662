package dev.anchorwatch.ingest;

import dev.anchorwatch.publish.KafkaExplanationSink;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka ingress's dead-letter topic: each poison record is written there as it came (key, value and every
 * header, so a binary-mode CloudEvent stays one), plus headers that say why and where from:
 * <ul>
 * <li>{@value #REASON}: the reason, as the HTTP ingress would have answered it;</li>
 * <li>{@value #STATUS}: the HTTP status the HTTP ingress would have answered (400, 422 or 502);</li>
 * <li>{@value #TOPIC}, {@value #PARTITION}, {@value #OFFSET}: where the record was read.</li>
 * </ul>
 * The names follow the SmallRye Kafka connector's own dead-letter headers, so tools that read those read these.
 * The producer is idempotent with {@code acks=all}; it is created at the first poison record, so a deployment
 * that never meets one never connects it.
 */
public final class KafkaDeadLetters implements KafkaIngressHandler.DeadLetters, AutoCloseable {

    public static final String REASON = "dead-letter-reason";
    public static final String STATUS = "dead-letter-status";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";

    private final String topic;
    private final Map<String, Object> config;
    private Producer<byte[], byte[]> producer;
    private boolean closed;

    /**
     * @param overrides any producer property; acks, idempotence and the serializers are forced
     */
    public KafkaDeadLetters(String bootstrapServers, String topic, Map<String, ?> overrides) {
        this.topic = topic;
        this.config = KafkaExplanationSink.durableProducer(bootstrapServers, "anchorwatch-dead-letters", overrides);
    }

    /** With a given producer (tests). */
    KafkaDeadLetters(Producer<byte[], byte[]> producer, String topic) {
        this.topic = topic;
        this.config = Map.of();
        this.producer = producer;
    }

    @Override
    public CompletionStage<Void> send(KafkaIngressHandler.Delivery d, int status, String reason) {
        RecordHeaders headers = new RecordHeaders();
        if (d.headers() != null) {
            for (Header h : d.headers()) {
                if (!h.key().startsWith("dead-letter-")) {
                    headers.add(h.key(), h.value());
                }
            }
        }
        headers.add(REASON, utf8(reason == null ? "unknown" : reason));
        headers.add(STATUS, utf8(Integer.toString(status)));
        headers.add(TOPIC, utf8(d.topic()));
        headers.add(PARTITION, utf8(Integer.toString(d.partition())));
        headers.add(OFFSET, utf8(Long.toString(d.offset())));
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer().send(new ProducerRecord<>(topic, null, d.key(), d.value(), headers), (metadata, error) -> {
                if (error == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
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
