package dev.anchorwatch.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;
import dev.anchorwatch.testsupport.KafkaTestResource;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Kafka records carrying a trace context, as a Knative KafkaSink writes them (the CloudEvents {@code traceparent}
 * extension as the {@code ce_traceparent} header in binary mode, or as an attribute of the JSON in structured mode),
 * are decoded, explained by the demo's Adult model over its real loopback predictor, and published in the producer's
 * trace: every {@code decode}, {@code explain}, {@code predict} and {@code publish} span of the record carries the
 * trace id of the context, and {@code decode} and {@code explain} are children of the producer's span. The broker is
 * the in-JVM Kafka; spans go to the in-memory exporter.
 */
@QuarkusTest
@TestProfile(KafkaTracingTest.Profile.class)
@WithTestResource(KafkaTestResource.class)
class KafkaTracingTest {

    static final String TOPIC = "kt.inference-events";
    static final Path SINK = Path.of("target", "kafka-tracing-test", "explanations.jsonl");
    // one row per test, none explained before in this app: a row the model's explanations have all labelled needs
    // no predictor call (the shared prediction cache), and the trace would have no predict span
    static final String ROW = "[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]";
    static final String STRUCTURED_ROW = "[53, 4, 0, 2, 8, 4, 2, 0, 0, 0, 58, 9]";
    static final Set<String> STEPS = Set.of("decode", "explain", "predict", "publish");
    /** Inference ids of this run: the sink file keeps earlier runs' lines. */
    static final String RUN = Long.toString(System.currentTimeMillis(), 36);

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("anchorwatch.sinks.enabled", "log");
            m.put("anchorwatch.sinks.log.file", SINK.toString());
            m.put("anchorwatch.sinks.log.console", "false");
            m.put("anchorwatch.ingest.kafka.enabled", "true");
            m.put("anchorwatch.ingest.kafka.topic", TOPIC);
            m.put("anchorwatch.ingest.kafka.dead-letter-topic", TOPIC + ".dlq");
            m.put("anchorwatch.ingest.kafka.group-id", "kt-group");
            return m;
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    InMemorySpanExporter spans;

    @Inject
    ExplanationPublisher publisher;

    static RecordHeaders binary(String id) {
        return KafkaLoggerEvents.headers("http://adult-predictor.default.svc.cluster.local/", id,
                "org.kubeflow.serving.inference.request", "adult", "application/json");
    }

    @Test
    void binaryModeCeTraceparentIsContinued() throws Exception {
        String trace = "0af7651916cd43dd8448eb211c80319c";
        String producer = "b7ad6b7169203331";
        RecordHeaders h = binary("kt-binary-" + RUN);
        KafkaLoggerEvents.add(h, "ce_traceparent", "00-" + trace + "-" + producer + "-01");
        try (KafkaLoggerEvents kafka = new KafkaLoggerEvents(bootstrap)) {
            kafka.send(TOPIC, "kt-binary-" + RUN, h, ("{\"instances\": [" + ROW + "]}").getBytes(StandardCharsets.UTF_8));
        }
        assertContinued(trace, producer, "kt-binary-" + RUN);
    }

    @Test
    void structuredModeTraceparentAttributeIsContinued() throws Exception {
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String producer = "00f067aa0ba902b7";
        String event = "{\"specversion\": \"1.0\", \"id\": \"kt-structured-" + RUN + "\", "
                + "\"source\": \"http://adult-predictor.default.svc.cluster.local/\", "
                + "\"type\": \"org.kubeflow.serving.inference.request\", \"inferenceservicename\": \"adult\", "
                + "\"datacontenttype\": \"application/json\", \"data\": {\"instances\": [" + STRUCTURED_ROW + "]}, "
                + "\"traceparent\": \"00-" + trace + "-" + producer + "-01\"}";
        RecordHeaders h = new RecordHeaders();
        KafkaLoggerEvents.add(h, "content-type", "application/cloudevents+json");
        try (KafkaLoggerEvents kafka = new KafkaLoggerEvents(bootstrap)) {
            kafka.send(TOPIC, "kt-structured-" + RUN, h, event.getBytes(StandardCharsets.UTF_8));
        }
        assertContinued(trace, producer, "kt-structured-" + RUN);
    }

    @Test
    void anInvalidCeTraceparentStartsANewTraceAndTheRecordIsStillExplained() throws Exception {
        RecordHeaders h = binary("kt-bad-trace-" + RUN);
        KafkaLoggerEvents.add(h, "ce_traceparent", "00-zzzz-not-a-trace-01");
        try (KafkaLoggerEvents kafka = new KafkaLoggerEvents(bootstrap)) {
            kafka.send(TOPIC, "kt-bad-trace-" + RUN, h, ("{\"instances\": [" + ROW + "]}").getBytes(StandardCharsets.UTF_8));
        }
        awaitPublished("kt-bad-trace-" + RUN);
    }

    private void assertContinued(String trace, String producer, String inferenceId) throws Exception {
        awaitPublished(inferenceId);
        List<SpanData> ours = List.of();
        Predicate<List<SpanData>> complete = got -> got.stream().map(SpanData::getName).collect(Collectors.toSet())
                .containsAll(STEPS) && got.stream().filter(s -> s.getName().equals("publish")).count() >= publisher
                        .sinkNames().size();
        for (int i = 0; i < 400 && !complete.test(ours); i++) { // the batch processor exports every 50 ms in tests
            Thread.sleep(50);
            ours = spans.getFinishedSpanItems().stream().filter(s -> trace.equals(s.getTraceId())).toList();
        }
        Map<String, List<SpanData>> byName = ours.stream().collect(Collectors.groupingBy(SpanData::getName));
        assertTrue(byName.keySet().containsAll(STEPS), "spans in the producer's trace: " + byName.keySet());

        assertEquals(1, byName.get("decode").size());
        SpanData decode = byName.get("decode").get(0);
        assertEquals(producer, decode.getParentSpanId(), "decode is a child of the producer's span");
        assertTrue(decode.getParentSpanContext().isRemote(), "the parent came from the record");
        assertEquals("kafka", decode.getAttributes().get(AttributeKey.stringKey("anchorwatch.source")));

        assertEquals(1, byName.get("explain").size(), "one instance, one explain span");
        SpanData explain = byName.get("explain").get(0);
        assertEquals(producer, explain.getParentSpanId(), "explain is a child of the producer's span");
        assertEquals("adult", explain.getAttributes().get(AttributeKey.stringKey("anchorwatch.model")));
        assertTrue(byName.get("predict").stream().allMatch(s -> explain.getSpanId().equals(s.getParentSpanId())),
                "every predictor call is a child of its explanation");
        assertEquals(Set.copyOf(publisher.sinkNames()), byName.get("publish").stream()
                .map(p -> p.getAttributes().get(AttributeKey.stringKey("anchorwatch.sink"))).collect(Collectors.toSet()),
                "one publish span per sink, in the trace");
        assertTrue(ours.stream().noneMatch(s -> s.getSpanId().equals(producer)), "the producer's span is not ours");
        assertNotEquals(decode.getSpanId(), explain.getSpanId());
    }

    private static void awaitPublished(String inferenceId) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (Files.exists(SINK) && Files.readAllLines(SINK).stream().anyMatch(l -> l.contains("\"" + inferenceId + "\""))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(inferenceId + " was never published to " + SINK);
    }
}
