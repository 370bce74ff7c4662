package dev.anchorwatch.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka helpers for tests: logger events as a Knative KafkaSink writes them (CloudEvents binary mode: one
 * {@code ce_*} header per attribute and extension, {@code content-type} copied from the HTTP request, the body
 * untouched), a reader of whole topics, and the committed offsets of a consumer group.
 */
public final class KafkaLoggerEvents implements AutoCloseable {

    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaLoggerEvents(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** ce_* headers of a KServe logger event, as a KafkaSink maps the HTTP binary-mode ones. */
    public static RecordHeaders headers(String source, String id, String type, String model, String contentType) {
        RecordHeaders h = new RecordHeaders();
        add(h, "ce_specversion", "1.0");
        add(h, "ce_id", id);
        add(h, "ce_source", source);
        add(h, "ce_type", type);
        add(h, "ce_time", "2026-11-25T10:15:30.123456789Z");
        if (model != null) {
            add(h, "ce_inferenceservicename", model);
        }
        add(h, "ce_namespace", "default");
        add(h, "ce_component", "predictor");
        add(h, "ce_endpoint", "default");
        add(h, "content-type", contentType);
        return h;
    }

    public static void add(RecordHeaders h, String name, String value) {
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    public RecordMetadata send(String topic, String key, RecordHeaders headers, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, null, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value, headers)).get();
    }

    /** As {@link #send(String, String, RecordHeaders, byte[])}, with the record's CreateTime set to {@code createTime}. */
    public RecordMetadata send(String topic, String key, RecordHeaders headers, byte[] value, java.time.Instant createTime)
            throws Exception {
        return producer.send(new ProducerRecord<>(topic, null, createTime.toEpochMilli(),
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, headers)).get();
    }

    /** Every record of a topic from the start, polling until {@code enough} holds or the time is up. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration max,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> enough) {
        List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "reader-" + System.nanoTime(), "auto.offset.reset", "earliest", "enable.auto.commit", "false"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + max.toNanos();
            while (System.nanoTime() < deadline && !enough.test(got)) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
        }
        return got;
    }

    /** Offsets committed by a group: partition to the next offset it would read. */
    public Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
    }

    public long committed(String group, String topic, int partition) throws Exception {
        OffsetAndMetadata o = committed(group).get(new TopicPartition(topic, partition));
        return o == null ? 0 : o.offset();
    }

    public static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static List<String> headers(Collection<ConsumerRecord<byte[], byte[]>> records, String name) {
        return records.stream().map(r -> header(r, name)).toList();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
