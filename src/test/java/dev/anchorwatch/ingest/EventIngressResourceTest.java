package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import dev.anchorwatch.testsupport.Http;

/** The HTTP ingress on {@code /}, fed exactly as KServe's logger (or a Knative Trigger) posts. */
@QuarkusTest
@TestProfile(EventIngressResourceTest.Profile.class)
class EventIngressResourceTest {

    static final Path LOG_FILE = Path.of("target", "ingress-test", "explanations.jsonl");

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.arc.selected-alternatives", FakeEventExplainer.class.getName(),
                    "anchorwatch.sinks.enabled", "log",
                    "anchorwatch.sinks.log.file", LOG_FILE.toString(),
                    "anchorwatch.sinks.log.console", "false",
                    "anchorwatch.ingest.max-concurrent", "1",
                    "anchorwatch.ingest.retry-after-seconds", "7");
        }
    }

    @TestHTTPResource("/")
    URI root;

    /** POSTs raw bytes with exactly these headers (RestAssured would form-encode a form-urlencoded body). */
    HttpResponse<String> post(Map<String, String> headers, byte[] body) throws Exception {
        return Http.post(root, headers, body);
    }

    static void expect(HttpResponse<String> r, int status, String bodyPart) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.body().contains(bodyPart), r.body());
    }

    static Map<String, String> model(Map<String, String> headers, String model) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put("Ce-Inferenceservicename", model);
        return h;
    }

    @Test
    void gzippedFormEncodedRequestIsExplainedAndPublishedBefore202() throws Exception {
        expect(post(KServeEvents.response("h-1"), KServeEvents.utf8(KServeEvents.V1_RESPONSE)), 202, "");
        expect(post(KServeEvents.request("h-1"), KServeEvents.gzip(KServeEvents.V1_REQUEST)), 202, "");
        List<String> lines = Files.readAllLines(LOG_FILE, StandardCharsets.UTF_8);
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"subject\":\"h-1\"")), lines.toString());
        expect(post(KServeEvents.request("h-1"), KServeEvents.gzip(KServeEvents.V1_REQUEST)), 202, "");
    }

    @Test
    void permanentErrorsAre4xxWithAMessage() throws Exception {
        expect(post(KServeEvents.request("h-2"), KServeEvents.utf8("instances=1&x=2")), 400, "body is not JSON");
        expect(post(KServeEvents.headers("h-3", "com.example.other"), KServeEvents.utf8("{}")), 400, "unsupported event type");
        expect(post(model(KServeEvents.request("h-4"), "unknown-model"), KServeEvents.utf8(KServeEvents.V1_REQUEST)), 422, "unknown model unknown-model");
    }

    @Test
    void transientErrorsAre503() throws Exception {
        expect(post(model(KServeEvents.request("h-5"), "flaky"), KServeEvents.utf8(KServeEvents.V1_REQUEST)), 503, "predictor down");
    }

    @Test
    void busyAnswers429WithRetryAfter() throws Exception {
        FakeEventExplainer.gate = new CompletableFuture<>();
        FakeEventExplainer.slowStarted = new CountDownLatch(1);
        CompletableFuture<HttpResponse<String>> first = Http.CLIENT.sendAsync(Http.post(root,
                model(KServeEvents.request("h-6"), "slow"), HttpRequest.BodyPublishers.ofString(KServeEvents.V1_REQUEST))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(FakeEventExplainer.slowStarted.await(30, TimeUnit.SECONDS));

        HttpResponse<String> busy = post(KServeEvents.request("h-7"), KServeEvents.utf8(KServeEvents.V1_REQUEST));
        expect(busy, 429, "");
        assertEquals("7", busy.headers().firstValue("Retry-After").orElse(null));

        FakeEventExplainer.gate.complete(null);
        assertEquals(202, first.get(30, TimeUnit.SECONDS).statusCode());
        expect(post(KServeEvents.request("h-7"), KServeEvents.utf8(KServeEvents.V1_REQUEST)), 202, "");
    }
}
