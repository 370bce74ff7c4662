package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.testsupport.InJvmKafka;
import dev.anchorwatch.testsupport.LoopbackPostgres;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.KafkaMessageFactory;

/** The Kafka sink against a real (in-JVM KRaft) broker. */
class KafkaExplanationSinkTest {

    static InJvmKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = InJvmKafka.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void publishesBinaryCloudEventKeyedByInferenceId() throws Exception {
        ExplanationRecord r = Samples.explanation("inf-kafka-1");
        ExplanationRecord f = Samples.failure("inf-kafka-2", "instance has 3 features, the model 12");
        try (KafkaExplanationSink sink = KafkaExplanationSink.create(kafka.bootstrapServers(), "explanations-a", Map.of())) {
            sink.publish(r).toCompletableFuture().get(30, TimeUnit.SECONDS);
            sink.publish(f).toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<String, byte[]>> got = consume("explanations-a", 2);

        ConsumerRecord<String, byte[]> first = got.get(0);
        assertEquals("inf-kafka-1", first.key());
        assertEquals(r.explanationId(), header(first, "ce_id"));
        assertEquals("dev.anchorwatch.explanation", header(first, "ce_type"));
        assertEquals("inf-kafka-1", header(first, "ce_subject"));
        assertEquals("/anchorwatch/default/adult", header(first, "ce_source"));
        assertEquals("1.0", header(first, "ce_specversion"));
        assertEquals("adult", header(first, "ce_inferenceservicename"));
        assertEquals("default", header(first, "ce_namespace"));
        assertEquals("AnchorTabular", header(first, "ce_explainer"));
        assertEquals("inf-kafka-1", header(first, "ce_partitionkey"));
        assertEquals("application/json", header(first, "content-type"));
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(Samples.BODY), json.readTree(first.value()));

        // the SDK reads it back as the same event
        CloudEvent back = KafkaMessageFactory.createReader(first).toEvent();
        assertEquals(ExplanationEvents.toCloudEvent(r), back);

        ConsumerRecord<String, byte[]> second = got.get(1);
        assertEquals("inf-kafka-2", second.key());
        assertEquals("dev.anchorwatch.explanation.failed", header(second, "ce_type"));
        assertEquals("instance has 3 features, the model 12", header(second, "ce_reason"));
    }

    @Test
    void brokerDownFailsRetryablyInsteadOfLosingTheRecord() throws Exception {
        String nobody = "127.0.0.1:" + LoopbackPostgres.freeLoopbackPort();
        try (KafkaExplanationSink sink = KafkaExplanationSink.create(nobody, "explanations-b",
                Map.of("max.block.ms", "1500", "request.timeout.ms", "1000", "delivery.timeout.ms", "1500"))) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> sink.publish(Samples.explanation("inf-kafka-3")).toCompletableFuture().join());
            PublishException p = assertInstanceOf(PublishException.class, e.getCause());
            assertTrue(p.retryable(), p.getMessage());
            assertEquals("kafka", p.sink());
        }
    }

    private static List<ConsumerRecord<String, byte[]>> consume(String topic, int count) {
        List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(), "group.id", "test-" + topic,
                "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
        }
        assertEquals(count, got.size(), "records read back from " + topic);
        return got;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
