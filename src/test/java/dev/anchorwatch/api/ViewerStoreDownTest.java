package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.LoopbackPostgres;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The viewer reading PostgreSQL when the database does not answer (nothing listens on its port): every query
 * answers 503 with Retry-After and a JSON error naming the store, the service stays up, and the failures are
 * counted; unknown parameters still answer 400 before the store is asked.
 */
@QuarkusTest
@TestProfile(ViewerStoreDownTest.Profile.class)
class ViewerStoreDownTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            int port;
            try {
                port = LoopbackPostgres.freeLoopbackPort(); // free: nothing listens there
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("anchorwatch.viewer.store", "postgres",
                    "quarkus.datasource.active", "true",
                    "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/anchorwatch?connectTimeout=2",
                    "quarkus.datasource.username", "anchorwatch",
                    "quarkus.datasource.password", "unused",
                    "anchorwatch.demo.enabled", "false",
                    "anchorwatch.sinks.enabled", "log",
                    "anchorwatch.sinks.log.file", "target/viewer-store-down/explanations.jsonl",
                    "anchorwatch.sinks.log.console", "false");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void everyQueryAnswers503WithRetryAfterWhileTheDatabaseIsDown() throws Exception {
        for (String q : List.of("/api/v1/explanations", "/api/v1/explanations?model=adult&outcome=failed",
                "/api/v1/explanations/some-id", "/api/v1/inferences/some-inference", "/api/v1/models",
                "/api/v1/models/adult/stats", "/api/v1/models/adult/series")) {
            HttpResponse<String> r = ViewerFixtures.get(base, q);
            assertEquals(503, r.statusCode(), q + ": " + r.body());
            assertEquals("5", r.headers().firstValue("Retry-After").orElse(null), q);
            String error = ViewerFixtures.JSON.readTree(r.body()).get("error").asText();
            assertTrue(error.startsWith("explanation store unavailable: explanation store (postgres): "), error);
        }
        assertEquals(400, ViewerFixtures.get(base, "/api/v1/explanations?limit=0").statusCode(), "checked before the store");
        assertEquals(200, ViewerFixtures.get(base, "/q/health/live").statusCode(), "the service stays up");
        String metrics = ViewerFixtures.get(base, "/q/metrics").body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "anchorwatch_viewer_queries_seconds_count\\{endpoint=\"list\",outcome=\"error\",store=\"postgres\"} ([0-9.]+)")
                .matcher(metrics);
        assertTrue(m.find() && Double.parseDouble(m.group(1)) >= 2, "both failed lists counted");
    }
}
