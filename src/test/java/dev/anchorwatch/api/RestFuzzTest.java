package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import dev.anchorwatch.testsupport.Http;

/**
 * Fuzz test of the REST API over real HTTP (issue 7): mutated {@code :explain} bodies and mutated logger events
 * on {@code /}, generated with jqwik's arbitraries. Every answer is a 2xx or a 4xx with a message, never a 5xx
 * (the demo's predictor is up, so nothing here is transient), and never a hang (each request has a timeout).
 * Bounded: 60 bodies on :explain (each for a served and an unknown model), 120 events.
 */
@QuarkusTest
@TestProfile(RestFuzzTest.Profile.class)
class RestFuzzTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anchorwatch.sinks.enabled", "log",
                    "anchorwatch.sinks.log.file", "target/rest-fuzz/explanations.jsonl",
                    "anchorwatch.sinks.log.console", "false",
                    "anchorwatch.ingest.max-body-bytes", "65536");
        }
    }

    @TestHTTPResource("/")
    URI root;

    static final String INSTANCE = "[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]";

    static Arbitrary<String> mutated(List<String> bodies) {
        return Combinators.combine(Arbitraries.of(bodies), Arbitraries.integers().between(0, 200).list().ofMaxSize(4),
                Arbitraries.chars().with("{}[]\",:0123456789.-e ntfa\u00e9").list().ofMaxSize(4)).as((body, at, chars) -> {
                    StringBuilder b = new StringBuilder(body);
                    for (int i = 0; i < at.size(); i++) {
                        int p = at.get(i) % (b.length() + 1);
                        char c = i < chars.size() ? chars.get(i) : ' ';
                        switch (at.get(i) % 3) {
                            case 0 -> b.insert(p, c);
                            case 1 -> { if (p < b.length()) b.setCharAt(p, c); }
                            default -> { if (p < b.length()) b.deleteCharAt(p); }
                        }
                    }
                    return b.toString();
                });
    }

    void check(String what, HttpResponse<String> r, Map<Integer, Integer> seen) {
        seen.merge(r.statusCode(), 1, Integer::sum);
        assertTrue(r.statusCode() < 500, () -> what + " got " + r.statusCode() + ": " + r.body());
        if (r.statusCode() >= 400) {
            assertFalse(r.body().isBlank(), () -> what + ": a " + r.statusCode() + " without a message");
        }
    }

    @Test
    void explainAnswersEveryBodyWithAResultOrA4xx() throws Exception {
        Arbitrary<String> bodies = Arbitraries.oneOf(
                mutated(List.of("{\"instances\": [" + INSTANCE + "]}", "{\"instances\": [[1, 2]]}",
                        "{\"instances\": [{\"Age\": 52}]}", "{\"instances\": \"x\"}", "{\"inputs\": [" + INSTANCE + "]}")),
                Arbitraries.strings().ofMaxLength(40));
        Map<Integer, Integer> seen = new TreeMap<>();
        for (String body : bodies.sampleStream().limit(60).toList()) {
            for (String model : List.of("adult", "no-such-model")) {
                HttpResponse<String> r = Http.send(HttpRequest.newBuilder(root.resolve("/v1/models/" + model + ":explain"))
                        .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
                check(model + " " + body, r, seen);
            }
        }
        System.out.println(":explain fuzz statuses " + seen);
        assertTrue(seen.keySet().stream().anyMatch(s -> s == 400), seen.toString());
    }

    @Test
    void theEventIngressAnswersEveryEventWithA2xxOrA4xx() throws Exception {
        Arbitrary<String> bodies = mutated(List.of("{\"instances\": [" + INSTANCE + "]}", "{\"predictions\": [0]}",
                "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 12], \"datatype\": \"FP32\", \"data\": " + INSTANCE + "}]}"));
        Arbitrary<String> types = Arbitraries.of("org.kubeflow.serving.inference.request",
                "org.kubeflow.serving.inference.response", "other");
        Arbitrary<String> versions = Arbitraries.of("1.0", "1.0", "0.3", "9");
        Arbitrary<String> contentTypes = Arbitraries.of("application/json", "application/x-www-form-urlencoded",
                "application/cloudevents+json");
        Map<Integer, Integer> seen = new TreeMap<>();
        int n = 0;
        for (List<String> c : Combinators.combine(bodies, types, versions, contentTypes).as(List::of).sampleStream()
                .limit(120).toList()) {
            HttpResponse<String> r = Http.send(HttpRequest.newBuilder(root).timeout(Duration.ofSeconds(120))
                    .header("Ce-Specversion", c.get(2)).header("Ce-Id", "fuzz-" + (n++)).header("Ce-Source", "http://fuzz/")
                    .header("Ce-Type", c.get(1)).header("Ce-Inferenceservicename", "adult").header("Content-Type", c.get(3))
                    .POST(HttpRequest.BodyPublishers.ofString(c.get(0), StandardCharsets.UTF_8)).build());
            check(c.toString(), r, seen);
        }
        System.out.println("event ingress fuzz statuses " + seen);
        assertTrue(seen.keySet().stream().anyMatch(s -> s == 400), seen.toString());
    }
}
