package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cloudevents.CloudEvent;

class ExplanationEventsTest {

    @Test
    void idIsDeterministicNameBasedUuid() {
        String a = ExplanationIds.explanationId("http://m/", "abc", "org.kubeflow.serving.inference.request");
        assertEquals(a, ExplanationIds.explanationId("http://m/", "abc", "org.kubeflow.serving.inference.request"));
        UUID u = UUID.fromString(a);
        assertEquals(5, u.version());
        assertEquals(2, u.variant());
        assertNotEquals(a, ExplanationIds.explanationId("http://m/", "abd", "org.kubeflow.serving.inference.request"));
        assertNotEquals(a, ExplanationIds.explanationId("http://n/", "abc", "org.kubeflow.serving.inference.request"));
        assertNotEquals(a, ExplanationIds.explanationId("http://m/", "abc", "org.kubeflow.serving.inference.response"));
        // length prefixes keep the parts apart
        assertNotEquals(ExplanationIds.explanationId("a", "bc", "t"), ExplanationIds.explanationId("ab", "c", "t"));
    }

    @Test
    void uuidV5MatchesTheRfcExample() {
        // RFC 9562 appendix A.4: v5 of "www.example.com" in the DNS namespace
        UUID dns = UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        assertEquals(UUID.fromString("2ed6657d-e927-568b-95e1-2665a8aea6a2"),
                ExplanationIds.nameUuidV5(dns, "www.example.com".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void explanationEventFollowsContract2() throws Exception {
        ExplanationRecord r = Samples.explanation("inf-1");
        CloudEvent e = ExplanationEvents.toCloudEvent(r);
        assertEquals(r.explanationId(), e.getId());
        assertEquals("dev.anchorwatch.explanation", e.getType());
        assertEquals(URI.create("/anchorwatch/default/adult"), e.getSource());
        assertEquals("inf-1", e.getSubject());
        assertEquals("application/json", e.getDataContentType());
        assertEquals("adult", e.getExtension("inferenceservicename"));
        assertEquals("default", e.getExtension("namespace"));
        assertEquals("AnchorTabular", e.getExtension("explainer"));
        assertEquals("inf-1", e.getExtension("partitionkey"));
        assertNull(e.getExtension("reason"));
        assertEquals(r.createdAt(), e.getTime().toInstant());
        assertArrayEquals(r.body(), e.getData().toBytes());
    }

    @Test
    void failureEventCarriesItsReason() throws Exception {
        ExplanationRecord r = Samples.failure("inf-2", "unknown model adult");
        CloudEvent e = ExplanationEvents.toCloudEvent(r);
        assertEquals("dev.anchorwatch.explanation.failed", e.getType());
        assertEquals("unknown model adult", e.getExtension("reason"));
        JsonNode data = new ObjectMapper().readTree(e.getData().toBytes());
        assertEquals("unknown model adult", data.path("error").path("reason").asText());
        assertEquals("inf-2", data.path("inference_id").asText());
        assertTrue(r.anchor().isEmpty());
    }

    @Test
    void recordIsImmutableAndValidated() {
        ExplanationRecord r = Samples.explanation("inf-3");
        byte first = r.body()[0];
        r.body()[0] = 'X';
        assertEquals(first, r.body()[0]);
        assertThrows(UnsupportedOperationException.class, () -> r.anchor().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> r.timingsMs().put("x", 1L));
        assertThrows(IllegalArgumentException.class, () -> ExplanationRecord.builder().inferenceId("i").model("m")
                .explainer("e").explanation("{}").build());
        assertEquals(ExplanationEvents.source(null, "a b"), URI.create("/anchorwatch/-/a%20b"));
    }

    @Test
    void predictionMismatchComparesClassesAndIsAnExtensionOnceKnown() {
        ExplanationRecord r = Samples.explanation("inf-mm");
        assertEquals(java.util.Optional.of(false), r.predictionMismatch());
        assertEquals(java.util.Optional.of(false), r.withServedPrediction("[0.9, 0.1]").predictionMismatch());
        assertEquals(java.util.Optional.of(true), r.withServedPrediction("[0.1, 0.9]").predictionMismatch());
        assertEquals(java.util.Optional.of(true), r.withServedPrediction("1").predictionMismatch());
        assertEquals(java.util.Optional.of(false), r.withServedPrediction("[0]").predictionMismatch());
        assertEquals(java.util.Optional.empty(), r.withServedPrediction(null).predictionMismatch());
        assertEquals(java.util.Optional.empty(), r.withServedPrediction("0.37").predictionMismatch());
        assertEquals("true", ExplanationEvents.toCloudEvent(r.withServedPrediction("1"))
                .getExtension(ExplanationEvents.EXT_PREDICTION_MISMATCH));
        assertEquals(null, ExplanationEvents.toCloudEvent(r.withServedPrediction(null))
                .getExtension(ExplanationEvents.EXT_PREDICTION_MISMATCH));
    }
}
