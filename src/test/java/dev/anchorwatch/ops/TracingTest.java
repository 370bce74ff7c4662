package dev.anchorwatch.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A logger event with a {@code traceparent} (as a Knative broker delivers it) is decoded, explained, sent to the
 * predictor and published in that trace: every span of those steps carries its trace id, and the first ones
 * descend from the caller's span. Spans go to an in-memory exporter; nothing is sent to a collector.
 */
@QuarkusTest
class TracingTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";

    @TestHTTPResource("/")
    URI root;

    @Inject
    InMemorySpanExporter spans;

    @Inject
    dev.anchorwatch.publish.ExplanationPublisher publisher;

    @Test
    void theBrokersTraceparentIsContinuedThroughDecodeExplainPredictAndPublish() throws Exception {
        spans.reset();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(root)
                .header("traceparent", "00-" + TRACE + "-" + PARENT + "-01")
                .header("Ce-Specversion", "1.0").header("Ce-Id", "traced-1").header("Ce-Source", "http://adult-predictor/")
                .header("Ce-Type", "org.kubeflow.serving.inference.request").header("Ce-Inferenceservicename", "adult")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[44, 4, 0, 2, 8, 4, 2, 0, 0, 0, 41, 9]]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());

        Set<String> wanted = Set.of("decode", "explain", "predict", "publish");
        List<SpanData> ours = List.of();
        for (int i = 0; i < 400; i++) { // the batch processor exports every 50 ms in tests
            ours = spans.getFinishedSpanItems().stream().filter(s -> TRACE.equals(s.getTraceId())).toList();
            if (ours.stream().map(SpanData::getName).collect(Collectors.toSet()).containsAll(wanted)) {
                break;
            }
            Thread.sleep(50);
        }
        Map<String, List<SpanData>> byName = ours.stream().collect(Collectors.groupingBy(SpanData::getName));
        assertTrue(byName.keySet().containsAll(wanted), "spans in the broker's trace: " + byName.keySet());
        assertEquals(1, byName.get("explain").size(), "one instance, one explain span");
        assertEquals(Set.copyOf(publisher.sinkNames()), byName.get("publish").stream()
                .map(p -> p.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("anchorwatch.sink")))
                .collect(Collectors.toSet()), "one publish span per sink");
        assertEquals(publisher.sinkNames().size(), byName.get("publish").size());
        Long reused = byName.get("explain").get(0).getAttributes()
                .get(io.opentelemetry.api.common.AttributeKey.longKey("anchorwatch.rows_reused"));
        assertTrue(reused != null && reused >= 0, "the explain span says how many rows it reused: " + reused);
        String explain = byName.get("explain").get(0).getSpanId();
        assertTrue(byName.get("predict").stream().allMatch(s -> explain.equals(s.getParentSpanId())),
                "every predictor call is a child of its explanation");
        long untraced = spans.getFinishedSpanItems().stream()
                .filter(s -> wanted.contains(s.getName()) && !TRACE.equals(s.getTraceId())).count();
        assertEquals(0, untraced, "no step of this event left the trace");
    }

    @Test
    void aViewerQueryIsASpanInTheCallersTrace() throws Exception {
        spans.reset();
        String trace = "0af7651916cd43dd8448eb211c80319c";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(root.resolve("/api/v1/explanations?limit=5"))
                .header("traceparent", "00-" + trace + "-b7ad6b7169203331-01").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        List<SpanData> query = List.of();
        for (int i = 0; i < 400 && query.isEmpty(); i++) {
            query = spans.getFinishedSpanItems().stream()
                    .filter(s -> trace.equals(s.getTraceId()) && s.getName().equals("viewer.query")).toList();
            Thread.sleep(50);
        }
        assertEquals(1, query.size(), "one query span in the caller's trace");
        assertEquals("list", query.get(0).getAttributes()
                .get(io.opentelemetry.api.common.AttributeKey.stringKey("anchorwatch.viewer.endpoint")));
        assertEquals("ok", query.get(0).getAttributes()
                .get(io.opentelemetry.api.common.AttributeKey.stringKey("anchorwatch.viewer.outcome")));
    }
}
