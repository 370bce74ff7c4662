package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;

class JsonLinesExplanationSinkTest {

    @Test
    void appendsOneStructuredCloudEventPerLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/explanations.jsonl");
        ExplanationRecord a = Samples.explanation("inf-log-1");
        ExplanationRecord b = Samples.failure("inf-log-2", "bad input");
        try (JsonLinesExplanationSink sink = new JsonLinesExplanationSink(file, true, true)) {
            sink.publish(a).toCompletableFuture().join();
            sink.publish(b).toCompletableFuture().join();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(2, lines.size(), "the pretty-printed body must not break lines");

        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertEquals(a.explanationId(), first.path("id").asText());
        assertEquals("inf-log-1", first.path("subject").asText());
        assertEquals("adult", first.path("inferenceservicename").asText());
        assertEquals(json.readTree(Samples.BODY), first.path("data"));

        CloudEvent second = new JsonFormat().deserialize(lines.get(1).getBytes(StandardCharsets.UTF_8));
        assertEquals("dev.anchorwatch.explanation.failed", second.getType());
        assertEquals("bad input", second.getExtension("reason"));
    }

    /** A served prediction that arrives after its explanation went out is a line of its own (it was dropped). */
    @Test
    void appendsTheServedPredictionUpdateAsALine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("explanations.jsonl");
        ExplanationRecord a = Samples.explanation("inf-log-3");
        ServedPrediction served = new ServedPrediction("resp-inf-log-3", "inf-log-3", a.explanationId(), "adult",
                "default", "{\"probabilities\": [0.3, 0.7]}", java.time.Instant.parse("2026-11-25T12:00:01Z"));
        try (JsonLinesExplanationSink sink = new JsonLinesExplanationSink(file, false, true)) {
            sink.publish(a).toCompletableFuture().join();
            sink.served(served).toCompletableFuture().join();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(2, lines.size());
        CloudEvent update = new JsonFormat().deserialize(lines.get(1).getBytes(StandardCharsets.UTF_8));
        assertEquals(ServedPrediction.TYPE, update.getType());
        assertEquals("resp-inf-log-3", update.getId());
        assertEquals("inf-log-3", update.getSubject());
        assertEquals(a.explanationId(), update.getExtension("explanationid"));
        ObjectMapper json = new ObjectMapper();
        JsonNode data = json.readTree(update.getData().toBytes());
        assertEquals("inf-log-3", data.path("inference_id").asText());
        assertEquals(a.explanationId(), data.path("explanation_id").asText());
        assertEquals(json.readTree("{\"probabilities\": [0.3, 0.7]}"), data.path("served_prediction"));
    }
}
