package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.demo.DemoModels;
import dev.anchorwatch.testsupport.Http;

/**
 * Real explanations for the viewer's tests: KServe logger events posted to the running service's {@code /}, explained
 * by the demo models over their real HTTP predictor and published to the configured sinks before the 202. Texts
 * carry markup and quotes, as users' requests may.
 */
final class ViewerFixtures {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A movie review with markup that must show as text, never run. */
    static final String EVIL_TEXT = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\"> "
            + "a wonderful, moving film with \"brilliant\" acting & a 'great' heart.";

    static final String ADULT_OTHER = "[39, 7, 1, 1, 1, 1, 4, 1, 2174, 0, 40, 9]";

    private ViewerFixtures() {
    }

    /** Posts the events once per running application (the store keeps them); idempotent thanks to deduplication. */
    static synchronized void seed(URI base) throws Exception {
        if (get(base, "/api/v1/inferences/viewer-adult-1").statusCode() == 200) {
            return;
        }
        // responses first: the explanation then records the served prediction; one of the two must differ
        post(base, "adult", "viewer-adult-1", "response", "{\"predictions\": [0]}", 202);
        post(base, "adult", "viewer-adult-1", "request", "{\"instances\": [" + DemoModels.ADULT_EXAMPLE + "]}", 202);
        post(base, "adult", "viewer-adult-2", "response", "{\"predictions\": [1]}", 202);
        post(base, "adult", "viewer-adult-2", "request", "{\"instances\": [" + DemoModels.ADULT_EXAMPLE + "]}", 202);
        post(base, "adult", "viewer-adult-3", "request", "{\"instances\": [" + ADULT_OTHER + "]}", 202);
        post(base, "adult", "viewer-adult-bad", "request", "{\"instances\": [[1, 2, 3]]}", 422);
        post(base, "movie", "viewer-movie-1", "request", JSON.createObjectNode().set("instances",
                JSON.createArrayNode().add(EVIL_TEXT)).toString(), 202);
        post(base, "fashion", "viewer-fashion-1", "request",
                "{\"instances\": [{\"b64\": \"" + DemoModels.fashionExampleB64() + "\"}]}", 202);
    }

    static void post(URI base, String model, String id, String kind, String body, int expected) throws Exception {
        Map<String, String> headers = Map.of("Ce-Specversion", "1.0", "Ce-Id", id, "Ce-Source", "http://" + model
                        + "-predictor.default/", "Ce-Type", "org.kubeflow.serving.inference." + kind,
                "Ce-Inferenceservicename", model, "Ce-Namespace", "default", "Content-Type", "application/json");
        HttpResponse<String> response = Http.send(Http.post(base.resolve("/"), headers,
                HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofMinutes(2)).build());
        assertEquals(expected, response.statusCode(), id + " " + kind + ": " + response.body());
    }

    static HttpResponse<String> get(URI base, String pathAndQuery) throws IOException, InterruptedException {
        return Http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    static JsonNode getJson(URI base, String pathAndQuery, int expected) throws Exception {
        HttpResponse<String> r = get(base, pathAndQuery);
        assertEquals(expected, r.statusCode(), pathAndQuery + ": " + r.body());
        return JSON.readTree(r.body());
    }
}
