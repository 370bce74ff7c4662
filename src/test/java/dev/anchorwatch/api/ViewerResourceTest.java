package dev.anchorwatch.api;

import static dev.anchorwatch.api.ViewerFixtures.get;
import static dev.anchorwatch.api.ViewerFixtures.getJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import dev.anchorwatch.testsupport.Http;

/**
 * The query API on the embedded default (the in-memory store fed by the publisher), against real explanations of
 * the demo models made from logger events.
 */
@QuarkusTest
class ViewerResourceTest {

    @TestHTTPResource("/")
    URI base;

    @BeforeEach
    void seed() throws Exception {
        ViewerFixtures.seed(base);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    JsonNode one(String inferenceId) throws Exception {
        JsonNode r = getJson(base, "/api/v1/inferences/" + inferenceId, 200);
        assertEquals(1, r.get("explanations").size());
        return r.get("explanations").get(0);
    }

    @Test
    void listsFilterByModelOutcomeMismatchAndPredicate() throws Exception {
        JsonNode all = getJson(base, "/api/v1/explanations?model=adult&limit=200", 200);
        assertEquals("memory", all.get("store").asText());
        Set<String> inferences = new HashSet<>();
        Instant previous = Instant.MAX;
        for (JsonNode item : all.get("items")) {
            assertEquals("adult", item.get("model").asText());
            inferences.add(item.get("inference_id").asText());
            Instant at = Instant.parse(item.get("created_at").asText());
            assertFalse(at.isAfter(previous), "newest first");
            previous = at;
        }
        assertTrue(inferences.containsAll(List.of("viewer-adult-1", "viewer-adult-2", "viewer-adult-3", "viewer-adult-bad")));

        JsonNode failed = getJson(base, "/api/v1/explanations?model=adult&outcome=failed", 200);
        assertTrue(failed.get("items").size() >= 1);
        for (JsonNode item : failed.get("items")) {
            assertEquals("failed", item.get("outcome").asText());
        }
        JsonNode bad = one("viewer-adult-bad");
        assertEquals("failed", bad.get("outcome").asText());
        assertTrue(bad.get("reason").asText().contains("expects 12"), bad.get("reason").asText());

        // the same instance served as 0 and as 1: exactly one of the two disagrees with the explainer's own call
        JsonNode a1 = one("viewer-adult-1");
        JsonNode a2 = one("viewer-adult-2");
        assertEquals(a1.get("explained_prediction"), a2.get("explained_prediction"));
        assertNotEquals(a1.get("prediction_mismatch").asBoolean(), a2.get("prediction_mismatch").asBoolean());
        String differing = a1.get("prediction_mismatch").asBoolean() ? "viewer-adult-1" : "viewer-adult-2";
        String agreeing = differing.equals("viewer-adult-1") ? "viewer-adult-2" : "viewer-adult-1";
        Set<String> mismatched = ids(getJson(base, "/api/v1/explanations?model=adult&mismatch=true", 200));
        assertTrue(mismatched.contains(differing) && !mismatched.contains(agreeing), mismatched.toString());
        Set<String> agreed = ids(getJson(base, "/api/v1/explanations?model=adult&mismatch=false", 200));
        assertTrue(agreed.contains(agreeing) && !agreed.contains(differing), agreed.toString());

        String predicate = a1.get("anchor").get(0).asText();
        JsonNode withPredicate = getJson(base, "/api/v1/explanations?predicate=" + enc(predicate), 200);
        assertTrue(ids(withPredicate).containsAll(List.of("viewer-adult-1", "viewer-adult-2")));
        for (JsonNode item : withPredicate.get("items")) {
            assertTrue(contains(item.get("anchor"), predicate), item.toString());
        }
        assertEquals(0, getJson(base, "/api/v1/explanations?predicate=" + enc("Sex = Nobody"), 200).get("items").size());
        assertEquals(Set.of("viewer-movie-1"),
                ids(getJson(base, "/api/v1/explanations?explainer=AnchorText&inference_id=viewer-movie-1", 200)));
        assertEquals(0, getJson(base, "/api/v1/explanations?explainer=AnchorImage&inference_id=viewer-movie-1", 200)
                .get("items").size());
        // a window that ends before any of them
        assertEquals(0, getJson(base, "/api/v1/explanations?model=adult&to=2020-01-01T00:00:00Z", 200).get("items").size());
    }

    @Test
    void cursorWalksEveryExplanationOnceInOrder() throws Exception {
        JsonNode all = getJson(base, "/api/v1/explanations?limit=200", 200);
        List<String> expected = new ArrayList<>();
        all.get("items").forEach(i -> expected.add(i.get("id").asText()));
        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = getJson(base, "/api/v1/explanations?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), 200);
            page.get("items").forEach(i -> walked.add(i.get("id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 200);
        assertEquals(expected, walked);
        assertTrue(pages >= 3, "at least 6 explanations in pages of 2");
    }

    @Test
    void detailViewsDecodeTabularTextAndImage() throws Exception {
        JsonNode adult = one("viewer-adult-1");
        JsonNode view = adult.get("view");
        assertEquals("tabular", view.get("kind").asText());
        assertEquals("Age", view.get("features").get(0).get("name").asText());
        assertEquals("52", view.get("features").get(0).get("value").asText());
        assertEquals("Separated", view.get("features").get(3).get("value").asText(), "categories by name");
        int anchored = 0;
        for (JsonNode f : view.get("features")) {
            if (f.get("anchored").asBoolean()) {
                anchored += f.get("predicates").size();
                for (JsonNode p : f.get("predicates")) {
                    assertTrue(p.asText().contains(f.get("name").asText()), p + " names " + f.get("name"));
                }
            }
        }
        assertEquals(adult.get("anchor").size(), anchored);
        assertEquals(12, view.get("feature_names").size());
        assertTrue(view.get("examples_same").size() > 0);
        assertEquals(adult.get("explanation").get("data").get("anchor"), adult.get("anchor"));
        assertTrue(adult.get("latency_ms").asLong() >= 0);
        assertTrue(adult.get("predictor_rows").asLong() > 0);
        assertEquals(adult, getJson(base, "/api/v1/explanations/" + enc(adult.get("id").asText()), 200));

        JsonNode movie = one("viewer-movie-1").get("view");
        assertEquals("text", movie.get("kind").asText());
        String text = movie.get("text").asText();
        assertEquals(ViewerFixtures.EVIL_TEXT, text);
        for (JsonNode span : movie.get("spans")) {
            assertEquals(span.get("word").asText(), text.substring(span.get("start").asInt(), span.get("end").asInt()));
        }

        JsonNode fashion = one("viewer-fashion-1").get("view");
        assertEquals("image", fashion.get("kind").asText());
        assertTrue(fashion.get("image_png").asText().startsWith("iVBOR"), "a PNG");
        assertTrue(fashion.get("anchor_png").asText().startsWith("iVBOR"), "a PNG");
    }

    @Test
    void modelStatsAndSeriesAgreeWithTheList() throws Exception {
        Instant to = Instant.now().plusSeconds(60);
        Instant from = to.minusSeconds(86400); // the last day: other tests of this app publish older samples
        String window = "from=" + from + "&to=" + to;
        JsonNode list = getJson(base, "/api/v1/explanations?model=adult&limit=200&" + window, 200);
        long total = list.get("items").size();
        long failed = 0;
        long found = 0;
        for (JsonNode i : list.get("items")) {
            failed += i.get("outcome").asText().equals("failed") ? 1 : 0;
            found += i.get("outcome").asText().equals("found") ? 1 : 0;
        }
        JsonNode stats = getJson(base, "/api/v1/models/adult/stats?top=5&" + window, 200);
        assertEquals(total, stats.get("total").asLong());
        assertEquals(failed, stats.get("failed").asLong());
        assertEquals(found, stats.get("found").asLong());
        assertEquals((double) found / total, stats.get("success_rate").asDouble(), 1e-12);
        assertTrue(stats.get("top_predicates").size() >= 1 && stats.get("top_predicates").size() <= 5);
        assertTrue(stats.get("latency_ms").get("median").asDouble() >= 0);
        assertTrue(stats.get("predictor").get("mean_rows").asDouble() > 0);

        JsonNode series = getJson(base, "/api/v1/models/adult/series?buckets=7&" + window, 200);
        assertEquals(7, series.get("points").size());
        long sum = 0;
        for (JsonNode p : series.get("points")) {
            sum += p.get("total").asLong();
        }
        assertEquals(total, sum);
        assertEquals(total, series.get("points").get(6).get("total").asLong(), "all made in the last day");

        JsonNode models = getJson(base, "/api/v1/models", 200);
        Set<String> names = new HashSet<>();
        models.get("models").forEach(m -> names.add(m.get("name").asText()));
        assertTrue(names.containsAll(List.of("adult", "movie", "fashion")), names.toString());
    }

    @Test
    void badParametersAnswer400WithTheReasonAndUnknownIds404() throws Exception {
        for (String q : List.of("/api/v1/explanations?limit=0", "/api/v1/explanations?limit=201",
                "/api/v1/explanations?cursor=not-a-cursor", "/api/v1/explanations?from=yesterday",
                "/api/v1/explanations?outcome=maybe", "/api/v1/explanations?mismatch=yes",
                "/api/v1/explanations?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
                "/api/v1/models/adult/stats?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z",
                "/api/v1/models/adult/stats?top=51", "/api/v1/models/adult/series?buckets=0",
                "/api/v1/models/adult/series?buckets=201", "/api/v1/explanations?model=" + "m".repeat(1001))) {
            HttpResponse<String> r = get(base, q);
            assertEquals(400, r.statusCode(), q + ": " + r.body());
            assertNotNull(ViewerFixtures.JSON.readTree(r.body()).get("error"), r.body());
        }
        // the count parameters share one check: each names itself and its bound
        for (String[] q : List.of(new String[] {"/api/v1/explanations?limit=201", "limit must be between 1 and 200"},
                new String[] {"/api/v1/models/adult/stats?top=0", "top must be between 1 and 50"},
                new String[] {"/api/v1/models/adult/series?buckets=201", "buckets must be between 1 and 200"})) {
            assertEquals(q[1], ViewerFixtures.JSON.readTree(get(base, q[0]).body()).get("error").asText(), q[0]);
        }
        assertEquals(404, get(base, "/api/v1/explanations/no-such-id").statusCode());
        assertEquals(404, get(base, "/api/v1/inferences/no-such-inference").statusCode());
    }

    @Test
    void readOnlyAndBrowsersLandOnTheViewer() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE")) {
            HttpResponse<String> r = Http.send(HttpRequest.newBuilder(base.resolve("/api/v1/explanations"))
                    .method(method, HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json")
                    .build());
            assertEquals(405, r.statusCode(), method);
        }
        HttpResponse<String> root = get(base, "/");
        assertEquals(302, root.statusCode());
        assertEquals("/ui/", root.headers().firstValue("Location").orElseThrow());
        assertEquals(302, get(base, "/ui").statusCode());
        HttpResponse<String> page = get(base, "/ui/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>Explanations"));
        String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), csp);
        assertEquals("nosniff", get(base, "/api/v1/models").headers().firstValue("X-Content-Type-Options").orElseThrow());
        String metrics = get(base, "/q/metrics").body();
        assertTrue(metrics.contains("anchorwatch_viewer_queries_seconds_count{endpoint=\"list\",outcome=\"ok\",store=\"memory\"}"),
                "viewer query timer");
        assertTrue(metrics.contains("anchorwatch_viewer_store_bytes"), "store gauge");
    }

    static Set<String> ids(JsonNode page) {
        Set<String> out = new HashSet<>();
        page.get("items").forEach(i -> out.add(i.get("inference_id").asText()));
        return out;
    }

    static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
