package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import dev.anchorwatch.testsupport.Http;

/**
 * Issue 7, item 9: with tokens configured, every endpoint but the probes and the metrics needs one of them
 * (the event ingress, :explain, the model list, static pages, and paths no resource serves yet), answered 401
 * with a Bearer challenge otherwise, before any body is read.
 */
@QuarkusTest
@TestProfile(BearerAuthTest.Profile.class)
class BearerAuthTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anchorwatch.auth.tokens", "first-secret, second-secret",
                    "anchorwatch.demo.enabled", "false",
                    "anchorwatch.sinks.enabled", "log",
                    "anchorwatch.sinks.log.file", "target/bearer-auth/explanations.jsonl",
                    "anchorwatch.sinks.log.console", "false");
        }
    }

    @TestHTTPResource("/")
    URI root;

    HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(root.resolve(path))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{\"instances\": [[1]]}"));
        if (token != null) {
            b.header("Authorization", token);
        }
        return Http.send(b.build());
    }

    @Test
    void everyEndpointButHealthAndMetricsNeedsAToken() throws Exception {
        for (String[] call : List.of(new String[] { "POST", "/" }, new String[] { "POST", "/v1/models/adult:explain" },
                new String[] { "GET", "/v1/models" }, new String[] { "GET", "/api/v1/explanations" }, new String[] { "POST", "/ui/index.html" },
                new String[] { "GET", "/not-yet-written" })) {
            for (String token : new String[] { null, "Bearer wrong", "Basic Zmlyc3Qtc2VjcmV0", "Bearer first-secre" }) {
                HttpResponse<String> r = send(call[0], call[1], token);
                assertEquals(401, r.statusCode(), call[0] + " " + call[1] + " with " + token);
                assertEquals("Bearer realm=\"anchorwatch\"", r.headers().firstValue("WWW-Authenticate").orElse(null));
            }
            for (String token : new String[] { "Bearer first-secret", "bearer second-secret" }) {
                assertTrue(send(call[0], call[1], token).statusCode() != 401, call[0] + " " + call[1] + " with " + token);
            }
        }
        assertEquals(200, send("GET", "/q/health/live", null).statusCode());
        // the viewer's pages hold no data and load without a token; its data (/api/v1) does not
        assertEquals(200, send("GET", "/ui/index.html", null).statusCode());
        assertTrue(send("GET", "/ui/viewer.js", null).body().contains("Bearer"), "the page asks for the token");
        assertTrue(send("GET", "/q/health/ready", null).statusCode() != 401);
        HttpResponse<String> metrics = send("GET", "/q/metrics", null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("anchorwatch_auth_failures_total{reason=\"missing\"}"), "failures are counted");
        assertFalse(metrics.body().contains("first-secret"), "tokens never appear");
    }

    @Test
    void tokensAreComparedAsDigests() {
        List<byte[]> digests = List.of(BearerAuth.sha256("a"), BearerAuth.sha256("bc"));
        assertTrue(BearerAuth.matches("bc", digests));
        assertTrue(BearerAuth.matches("a", digests));
        assertFalse(BearerAuth.matches("b", digests));
        assertFalse(BearerAuth.matches("", digests));
        assertTrue(BearerAuth.exempt("/q/health"));
        assertTrue(BearerAuth.exempt("/q/health/ready"));
        assertTrue(BearerAuth.exempt("/q/metrics"));
        assertFalse(BearerAuth.exempt("/q/healthy"));
        assertFalse(BearerAuth.exempt("/q/metrics/x"));
        assertFalse(BearerAuth.exempt("/"));
    }
}
