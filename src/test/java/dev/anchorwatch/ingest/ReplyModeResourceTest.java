package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationRecord;
import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import dev.anchorwatch.testsupport.Http;

/**
 * Reply mode: the HTTP ingress answers 200 with the explanation CloudEvent in binary mode, as a Knative broker
 * expects of a subscriber whose reply it republishes; the event read back with the CloudEvents SDK.
 */
@QuarkusTest
@TestProfile(ReplyModeResourceTest.Profile.class)
class ReplyModeResourceTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.arc.selected-alternatives", FakeEventExplainer.class.getName(),
                    "anchorwatch.ingest.ack-mode", "reply",
                    "anchorwatch.sinks.enabled", "log",
                    "anchorwatch.sinks.log.file", "target/reply-test/explanations.jsonl",
                    "anchorwatch.sinks.log.console", "false");
        }
    }

    @TestHTTPResource("/")
    URI root;

    HttpResponse<byte[]> post(Map<String, String> headers, byte[] body) throws Exception {
        return Http.CLIENT.send(Http.post(root, headers, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static CloudEvent event(HttpResponse<byte[]> r) {
        return HttpMessageFactory.createReaderFromMultimap(r.headers().map(), r.body()).toEvent();
    }

    @Test
    void explanationComesBackAsABinaryModeCloudEventAndAgainForADuplicate() throws Exception {
        HttpResponse<byte[]> first = post(KServeEvents.request("rp-1"), KServeEvents.gzip(KServeEvents.V1_REQUEST));
        assertEquals(200, first.statusCode(), new String(first.body(), StandardCharsets.UTF_8));
        assertEquals("1.0", first.headers().firstValue("ce-specversion").orElse(null), "binary mode: ce-* headers");
        assertTrue(first.headers().firstValue("content-type").orElse("").startsWith("application/json"));

        CloudEvent e = event(first);
        assertEquals(ExplanationRecord.TYPE_EXPLANATION, e.getType());
        assertEquals(ExplanationIds.explanationId(KServeEvents.SOURCE, "rp-1", InferenceEvent.REQUEST_TYPE), e.getId());
        assertEquals("rp-1", e.getSubject());
        assertEquals("rp-1", e.getExtension("partitionkey"));
        assertEquals("adult", e.getExtension("inferenceservicename"));
        assertEquals("default", e.getExtension("namespace"));
        assertNotNull(e.getExtension("explainer"));
        JsonNode data = new ObjectMapper().readTree(e.getData().toBytes());
        assertEquals("Age <= 28.00", data.path("data").path("anchor").get(0).asText());

        HttpResponse<byte[]> again = post(KServeEvents.request("rp-1"), KServeEvents.gzip(KServeEvents.V1_REQUEST));
        assertEquals(200, again.statusCode(), "a redelivery gets the explanation again: the first reply may have been lost");
        CloudEvent e2 = event(again);
        assertEquals(e.getId(), e2.getId());
        assertEquals(new String(e.getData().toBytes(), StandardCharsets.UTF_8),
                new String(e2.getData().toBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void responsesAndFailuresAreNotReplies() throws Exception {
        HttpResponse<byte[]> response = post(KServeEvents.response("rp-2"), KServeEvents.utf8(KServeEvents.V1_RESPONSE));
        assertEquals(202, response.statusCode());
        assertTrue(response.headers().firstValue("ce-id").isEmpty());

        Map<String, String> unknown = new java.util.LinkedHashMap<>(KServeEvents.request("rp-3"));
        unknown.put("Ce-Inferenceservicename", "unknown-model");
        HttpResponse<byte[]> permanent = post(unknown, KServeEvents.utf8(KServeEvents.V1_REQUEST));
        assertEquals(422, permanent.statusCode());
        assertTrue(permanent.headers().firstValue("ce-id").isEmpty(), "a 4xx carries no event for the broker");

        Map<String, String> flaky = new java.util.LinkedHashMap<>(KServeEvents.request("rp-4"));
        flaky.put("Ce-Inferenceservicename", "flaky");
        assertEquals(503, post(flaky, KServeEvents.utf8(KServeEvents.V1_REQUEST)).statusCode());
    }
}
