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
}
