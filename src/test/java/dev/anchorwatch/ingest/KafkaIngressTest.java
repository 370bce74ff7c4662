package dev.anchorwatch.ingest;

import static dev.anchorwatch.testsupport.KafkaLoggerEvents.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;
import dev.anchorwatch.testsupport.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The Kafka ingress against a real (in-JVM) broker, with the test double explainer: records as a KafkaSink writes
 * them are explained and published, poison records go to the dead-letter topic with their reason, and a record
 * that fails transiently is retried, neither dead-lettered nor committed, without holding up the records after it.
 */
@QuarkusTest
@TestProfile(KafkaIngressTest.Profile.class)
@WithTestResource(KafkaTestResource.class)
class KafkaIngressTest {

    static final String TOPIC = "ki.inference-events";
    static final String DLQ = "ki.inference-events.dlq";
    static final String OUT = "ki.explanations";
    static final String GROUP = "ki-group";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("quarkus.arc.selected-alternatives", FakeEventExplainer.class.getName());
            m.put("anchorwatch.sinks.enabled", "kafka,log");
            m.put("anchorwatch.sinks.kafka.topic", OUT);
            m.put("anchorwatch.sinks.log.file", "target/kafka-ingress-test/explanations.jsonl");
            m.put("anchorwatch.sinks.log.console", "false");
            m.put("anchorwatch.ingest.kafka.enabled", "true");
            m.put("anchorwatch.ingest.kafka.topic", TOPIC);
            m.put("anchorwatch.ingest.kafka.dead-letter-topic", DLQ);
            m.put("anchorwatch.ingest.kafka.group-id", GROUP);
            m.put("anchorwatch.ingest.kafka.concurrency", "2");
            m.put("anchorwatch.ingest.kafka.initial-backoff", "100ms");
            m.put("anchorwatch.ingest.kafka.max-backoff", "400ms");
            m.put("mp.messaging.incoming.inference-events.auto.commit.interval.ms", "200");
            return m;
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    KafkaLoggerEvents kafka;

    @BeforeEach
    void open() {
        kafka = new KafkaLoggerEvents(bootstrap);
    }

    @AfterEach
    void close() {
        kafka.close();
    }

    static RecordHeaders request(String id, String model) {
        return KafkaLoggerEvents.headers(KServeEvents.SOURCE, id, InferenceEvent.REQUEST_TYPE, model,
                "application/x-www-form-urlencoded");
    }

    List<ConsumerRecord<byte[], byte[]>> outputsFor(String... ids) {
        List<String> wanted = List.of(ids);
        return kafka.readAll(OUT, Duration.ofSeconds(30), got -> got.stream()
                .filter(r -> wanted.contains(header(r, "ce_subject"))).count() >= wanted.size())
                .stream().filter(r -> wanted.contains(header(r, "ce_subject"))).toList();
    }

    @Test
    void binaryModeRecordIsExplainedAndPublished() throws Exception {
        kafka.send(TOPIC, "k-1", request("k-1", "adult"), KServeEvents.gzip(KServeEvents.V1_REQUEST));
        List<ConsumerRecord<byte[], byte[]>> out = outputsFor("k-1");
        assertEquals(1, out.size());
        assertEquals("k-1", new String(out.get(0).key(), StandardCharsets.UTF_8));
        assertEquals(ExplanationRecord.TYPE_EXPLANATION, header(out.get(0), "ce_type"));
        assertEquals(ExplanationIds.explanationId(KServeEvents.SOURCE, "k-1", InferenceEvent.REQUEST_TYPE),
                header(out.get(0), "ce_id"));
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithTheirReason() throws Exception {
        kafka.send(TOPIC, null, new RecordHeaders(), KServeEvents.utf8("not a cloudevent"));
        kafka.send(TOPIC, null, request("k-p2", "adult"), KServeEvents.utf8("instances=1&x=2"));
        kafka.send(TOPIC, null, KafkaLoggerEvents.headers(KServeEvents.SOURCE, "k-p3", "com.example.other", "adult",
                "application/json"), KServeEvents.utf8("{}"));
        RecordMetadata unknown = kafka.send(TOPIC, "k-p4", request("k-p4", "unknown-model"),
                KServeEvents.utf8(KServeEvents.V1_REQUEST));
        // structured mode with broken JSON: dead-lettered at once, not retried forever
        RecordHeaders structured = new RecordHeaders();
        KafkaLoggerEvents.add(structured, "content-type", "application/cloudevents+json");
        KafkaLoggerEvents.add(structured, "ce_id", "k-p5"); // only to find it below; structured mode ignores it
        kafka.send(TOPIC, "k-p5", structured, KServeEvents.utf8("{\"specversion\": \"1.0\", \"id\": "));
        // ~1 MiB of poison: its copy plus the dead-letter headers would exceed the limit, so it is truncated
        byte[] huge = new byte[1_040_000];
        java.util.Arrays.fill(huge, (byte) '{');
        RecordMetadata hugeAt = kafka.send(TOPIC, "k-p6", request("k-p6", "adult"), huge);
        kafka.send(TOPIC, "k-after", request("k-after", "adult"), KServeEvents.utf8(KServeEvents.V1_REQUEST));

        // (k-old, of the max-age test, shares the topic)
        java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> poison = r -> !"k-old".equals(header(r, "ce_id"));
        List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readAll(DLQ, Duration.ofSeconds(30),
                got -> got.stream().filter(poison).count() >= 6).stream().filter(poison).toList();
        assertEquals(6, dlq.size(), KafkaLoggerEvents.headers(dlq, KafkaDeadLetters.REASON).toString());
        Map<String, ConsumerRecord<byte[], byte[]>> byId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            byId.put(String.valueOf(header(r, "ce_id")), r);
        }
        assertTrue(header(byId.get("null"), KafkaDeadLetters.REASON).startsWith("not a CloudEvent"));
        assertEquals("400", header(byId.get("null"), KafkaDeadLetters.STATUS));
        assertEquals("not a cloudevent", new String(byId.get("null").value(), StandardCharsets.UTF_8));
        assertTrue(header(byId.get("k-p2"), KafkaDeadLetters.REASON).startsWith("body is not JSON"));
        assertTrue(header(byId.get("k-p3"), KafkaDeadLetters.REASON).startsWith("unsupported event type"));
        ConsumerRecord<byte[], byte[]> p4 = byId.get("k-p4");
        assertEquals("422", header(p4, KafkaDeadLetters.STATUS));
        assertTrue(header(p4, KafkaDeadLetters.REASON).startsWith("unknown model unknown-model"));
        assertEquals(TOPIC, header(p4, KafkaDeadLetters.TOPIC));
        assertEquals(Long.toString(unknown.offset()), header(p4, KafkaDeadLetters.OFFSET));
        assertEquals("k-p4", new String(p4.key(), StandardCharsets.UTF_8), "key, value and ce_ headers kept");
        assertEquals(InferenceEvent.REQUEST_TYPE, header(p4, "ce_type"));
        assertEquals("unexplainable", header(p4, KafkaDeadLetters.CATEGORY));
        assertEquals("undecodable", header(byId.get("k-p5"), KafkaDeadLetters.CATEGORY));
        assertEquals("400", header(byId.get("k-p5"), KafkaDeadLetters.STATUS));
        ConsumerRecord<byte[], byte[]> p6 = byId.get("k-p6");
        assertEquals("true", header(p6, KafkaDeadLetters.TRUNCATED));
        assertEquals(Integer.toString(1_040_000 + 4), header(p6, KafkaDeadLetters.ORIGINAL_SIZE), "key + value");
        assertEquals(Long.toString(hugeAt.offset()), header(p6, KafkaDeadLetters.OFFSET));
        assertTrue(p6.value().length > 900_000 && p6.value().length < 1_000_000, "cut to fit: " + p6.value().length);

        List<ConsumerRecord<byte[], byte[]>> out = outputsFor("k-p4", "k-after");
        assertEquals(2, out.size());
        Map<String, String> typeBySubject = new HashMap<>();
        out.forEach(r -> typeBySubject.put(header(r, "ce_subject"), header(r, "ce_type")));
        assertEquals(ExplanationRecord.TYPE_FAILED, typeBySubject.get("k-p4"),
                "the unexplainable request also yields its failure event");
        assertEquals(ExplanationRecord.TYPE_EXPLANATION, typeBySubject.get("k-after"), "the partition moved on");
    }

    @Test
    void recordsInFlightAreBoundedByTheConcurrency() throws Exception {
        FakeEventExplainer.release = new CompletableFuture<>();
        FakeEventExplainer.mostHeld.set(0);
        for (int i = 0; i < 6; i++) {
            kafka.send(TOPIC, "k-h" + i, request("k-h" + i, "held"), KServeEvents.utf8(KServeEvents.V1_REQUEST));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (FakeEventExplainer.held.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(500); // time for a third to start, were it allowed
        assertEquals(2, FakeEventExplainer.held.get(), "anchorwatch.ingest.kafka.concurrency=2 records in flight");
        FakeEventExplainer.release.complete(null);
        assertEquals(6, outputsFor("k-h0", "k-h1", "k-h2", "k-h3", "k-h4", "k-h5").size());
        assertEquals(2, FakeEventExplainer.mostHeld.get());
    }

    @Test
    void transientFailuresAreRetriedNeitherDeadLetteredNorCommitted() throws Exception {
        FakeEventExplainer.predictorUp = new CompletableFuture<>();
        FakeEventExplainer.downAttempts.set(0);
        RecordMetadata down = kafka.send(TOPIC, "k-t1", request("k-t1", "down-until-open"),
                KServeEvents.utf8(KServeEvents.V1_REQUEST));
        RecordMetadata later = kafka.send(TOPIC, "k-t2", request("k-t2", "adult"),
                KServeEvents.utf8(KServeEvents.V1_REQUEST));

        assertEquals(1, outputsFor("k-t2").size(), "a record behind a retried one is not held up");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (FakeEventExplainer.downAttempts.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(FakeEventExplainer.downAttempts.get() >= 3, "retried with backoff");
        Thread.sleep(600); // several commit intervals
        long committed = kafka.committed(GROUP, TOPIC, down.partition());
        assertTrue(committed <= down.offset(), "nothing from the failing record on is committed: " + committed
                + " > " + down.offset());
        assertTrue(kafka.readAll(DLQ, Duration.ofSeconds(1), got -> false).stream()
                .noneMatch(r -> "k-t1".equals(header(r, "ce_id"))), "transient failures are never dead-lettered");

        FakeEventExplainer.predictorUp.complete(null);
        assertEquals(1, outputsFor("k-t1").size());
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (kafka.committed(GROUP, TOPIC, down.partition()) <= later.offset() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(kafka.committed(GROUP, TOPIC, down.partition()) > later.offset(), "committed once published");
    }

    /**
     * A record written 20 minutes ago (its CreateTime) that fails transiently is past the 10-minute max age: this
     * replica, which sees it for the first time (as after a rebalance or a restart), dead-letters it after the grace
     * of one maximum backoff (400 ms) instead of counting 10 more minutes from now.
     */
    @Test
    void theMaxAgeCountsFromTheRecordsTimestampNotFromWhenThisReplicaSawIt() throws Exception {
        java.time.Instant written = java.time.Instant.now().minus(Duration.ofMinutes(20));
        RecordMetadata old = kafka.send(TOPIC, "k-old", request("k-old", "flaky"), KServeEvents.utf8(KServeEvents.V1_REQUEST),
                written);
        List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readAll(DLQ, Duration.ofSeconds(30),
                got -> got.stream().anyMatch(r -> "k-old".equals(header(r, "ce_id"))));
        ConsumerRecord<byte[], byte[]> dead = dlq.stream().filter(r -> "k-old".equals(header(r, "ce_id"))).findFirst()
                .orElseThrow(() -> new AssertionError("not dead-lettered within 30 s: the age restarted in this replica"));
        assertEquals("max_age", header(dead, KafkaDeadLetters.CATEGORY));
        assertEquals(Long.toString(old.offset()), header(dead, KafkaDeadLetters.OFFSET));
        String reason = header(dead, KafkaDeadLetters.REASON);
        assertTrue(reason.matches(".* here, written 12[0-9][0-9] s ago \\(max age PT10M\\).*"), reason);
        assertTrue(reason.contains("last error: 503 predictor down"), reason);
    }

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URI root;

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    /** {@code anchorwatch.ingest.events{source, outcome=ignored}}, summed over types. */
    double ignored(String source) {
        return meters.find("anchorwatch.ingest.events").tag("source", source).tag("outcome", "ignored").counters()
                .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /**
     * Issue 9 item 2: KServe's logger also logs GET and metadata calls, with an empty request body and an answer
     * without predictions. Each is acknowledged, never dead-lettered, and counted once as ignored, with its type.
     */
    @Test
    void getAndMetadataCallsAreCountedOnceAsIgnoredAndNeverDeadLettered() throws Exception {
        double kafkaBefore = ignored("kafka");
        double httpBefore = ignored("http");
        io.micrometer.core.instrument.Counter requests = meters.find("anchorwatch.ingest.events").tag("source", "kafka")
                .tag("type", "request").tag("outcome", "ignored").counter();
        double requestsBefore = requests == null ? 0 : requests.count();
        RecordHeaders get = request("k-g1", "adult");
        get.remove("content-type"); // a GET carries no body and no Content-Type
        kafka.send(TOPIC, null, get, new byte[0]);
        RecordMetadata metadata = kafka.send(TOPIC, null, KafkaLoggerEvents.headers(KServeEvents.SOURCE, "k-g1",
                InferenceEvent.RESPONSE_TYPE, "adult", "application/json"),
                KServeEvents.utf8("{\"name\": \"adult\", \"ready\": true}"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (kafka.committed(GROUP, TOPIC, metadata.partition()) <= metadata.offset() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(kafka.committed(GROUP, TOPIC, metadata.partition()) > metadata.offset(), "acknowledged");
        assertEquals(2.0, ignored("kafka") - kafkaBefore, "each record counted once");
        assertEquals(1.0, meters.find("anchorwatch.ingest.events").tag("source", "kafka").tag("type", "request")
                .tag("outcome", "ignored").counter().count() - requestsBefore, "counted with its type");
        assertTrue(kafka.readAll(DLQ, Duration.ofSeconds(1), got -> false).stream()
                .noneMatch(r -> "k-g1".equals(header(r, "ce_id"))), "never dead-lettered");

        // the same GET delivered over HTTP by a Trigger: 202, counted once
        java.net.http.HttpResponse<String> r = dev.anchorwatch.testsupport.Http.post(root, Map.of(
                "Ce-Specversion", "1.0", "Ce-Id", "h-g1", "Ce-Source", KServeEvents.SOURCE,
                "Ce-Type", InferenceEvent.REQUEST_TYPE, "Ce-Inferenceservicename", "adult"), "");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals(1.0, ignored("http") - httpBefore);
    }
}
