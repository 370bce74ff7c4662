package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.testsupport.Browser;
import dev.anchorwatch.testsupport.Http;
import dev.anchorwatch.viewer.ExplanationStore;
import dev.anchorwatch.viewer.MemoryExplanationStore;
import jakarta.inject.Inject;

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

    @Inject
    ExplanationStore store;

    /**
     * Issue 11, item 4: the viewer honours the same tokens. In a real Chromium the pages load, the query API answers
     * 401, the page asks for the token (again after a wrong one), and with a right one shows the explanations.
     */
    @Test
    void theViewerAsksForTheTokenAndThenShowsTheExplanations() throws Exception {
        String body = "{\"meta\": {\"name\": \"AnchorTabular\"}, \"data\": {\"anchor\": [\"Sex = Female\"],"
                + " \"precision\": 0.97, \"coverage\": 0.2, \"raw\": {\"success\": true, \"feature\": [0],"
                + " \"names\": [\"Sex = Female\"], \"instance\": [0]}}}";
        ((MemoryExplanationStore) store).publish(ExplanationRecord.builder().explanationId("auth-e1")
                .inferenceId("auth-1").model("income").explainer("AnchorTabular").anchor(List.of("Sex = Female"))
                .precision(0.97).coverage(0.2).explainedPrediction("1").timing("explain", 12)
                .createdAt(Instant.now()).explanation(body).build()).toCompletableFuture().join();
        try (Browser browser = Browser.start()) {
            WebDriver d = browser.driver();
            browser.open(root.resolve("/").toString());
            assertTrue(d.getCurrentUrl().endsWith("/ui/"), d.getCurrentUrl());
            assertEquals("This service needs an API token:", d.findElement(By.cssSelector("#token-form label")).getText().trim());
            assertTrue(d.findElements(By.cssSelector("#list tbody tr")).isEmpty(), "no data without the token");
            submitToken(browser, "wrong-secret");
            assertEquals("The service refused that token; try another:",
                    d.findElement(By.cssSelector("#token-form label")).getText().trim());
            submitToken(browser, "second-secret");
            assertTrue(d.findElements(By.id("token-form")).isEmpty(), "no question once the token is right");
            List<WebElement> rows = d.findElements(By.cssSelector("#list tbody tr"));
            assertEquals(1, rows.size());
            assertEquals("Sex = Female", rows.get(0).findElement(By.cssSelector(".chip")).getText());
            // the token is kept for the session: the explanation and model pages load with it
            rows.get(0).findElement(By.cssSelector("a.explanation-link")).click();
            browser.awaitReady();
            assertEquals("97.0 %", d.findElement(By.id("precision")).getText());
            d.findElement(By.cssSelector("#title a.model-link")).click();
            browser.awaitReady();
            assertEquals("1", d.findElements(By.cssSelector("#weeks tbody tr")).get(0).findElements(By.tagName("td"))
                    .get(0).getText());
            browser.screenshot("auth-model");
        }
    }

    static void submitToken(Browser browser, String token) {
        WebDriver d = browser.driver();
        WebElement input = d.findElement(By.id("token"));
        input.sendKeys(token);
        d.findElement(By.id("token-submit")).click();
        new WebDriverWait(d, Duration.ofSeconds(30)).until(ExpectedConditions.stalenessOf(input)); // the page reloads
        browser.awaitReady();
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
