package dev.anchorwatch.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The Grafana dashboard and the Prometheus alert rules in deploy/monitoring/ query only metrics that the running
 * service exposes on /q/metrics (every anchorwatch_* sample name in their PromQL, suffixes such as _total,
 * _seconds_bucket included), and the meters count what happened: one :explain adds exactly one explanation and
 * exactly the predictor rows the explanation reports; a malformed event is counted as refused and dead-lettered.
 */
@QuarkusTest
class MonitoringQueriesTest {
    static final Pattern NAME = Pattern.compile("\\banchorwatch_[a-z0-9_]+");
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TestHTTPResource("/")
    URI root;

    final HttpClient http = HttpClient.newHttpClient();

    /** Every PromQL expression of the dashboard's panels and of the alert rules. */
    static List<String> queries() throws IOException {
        List<String> exprs = new ArrayList<>();
        JsonNode dashboard = JSON.readTree(Path.of("deploy/monitoring/grafana-dashboard.json").toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        dashboard.path("templating").path("list").forEach(v -> {
            if ("query".equals(v.path("type").asText())) {
                exprs.add(v.path("query").asText());
            }
        });
        JsonNode rules = YAML.readTree(Path.of("deploy/monitoring/alert-rules.yaml").toFile());
        for (JsonNode group : rules.path("spec").path("groups")) {
            group.path("rules").forEach(r -> exprs.add(r.path("expr").asText()));
        }
        return exprs;
    }

    static Set<String> names(List<String> exprs) {
        Set<String> names = new TreeSet<>();
        for (String e : exprs) {
            Matcher m = NAME.matcher(e);
            while (m.find()) {
                names.add(m.group());
            }
        }
        return names;
    }

    String scrape() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(root.resolve("/q/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** Sample name → (labels text → value), from the Prometheus text format. */
    static Map<String, Map<String, Double>> samples(String exposition) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (String full : exposition.split("\n")) {
            if (full.isBlank() || full.startsWith("#")) {
                continue;
            }
            // with tracing on, a sample may carry an exemplar after " # " (trace id, value, timestamp)
            int exemplar = full.indexOf(" # ");
            String line = exemplar < 0 ? full : full.substring(0, exemplar);
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, line.indexOf(' '));
            String labels = brace >= 0 && brace < space ? line.substring(brace, line.lastIndexOf('}') + 1) : "";
            out.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(labels, Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }

    /** Sum of a sample over the series whose labels contain every {@code key="value"} given. */
    static double sum(Map<String, Map<String, Double>> samples, String name, String... labels) {
        double sum = 0;
        for (Map.Entry<String, Double> s : samples.getOrDefault(name, Map.of()).entrySet()) {
            boolean all = true;
            for (String l : labels) {
                all &= s.getKey().contains(l);
            }
            if (all) {
                sum += s.getValue();
            }
        }
        return sum;
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsExposed() throws Exception {
        List<String> exprs = queries();
        Set<String> wanted = names(exprs);
        // the list is not empty by accident: the canonical names are all there
        for (String n : List.of("anchorwatch_explanations_total", "anchorwatch_explanation_duration_seconds_bucket",
                "anchorwatch_predictor_requests_total", "anchorwatch_predictor_rows_total",
                "anchorwatch_predictor_duration_seconds_bucket", "anchorwatch_workers_busy", "anchorwatch_workers_queued",
                "anchorwatch_admission_rejected_total", "anchorwatch_ingest_events_total", "anchorwatch_deadletters_total",
                "anchorwatch_pairing_entries", "anchorwatch_pairing_bytes", "anchorwatch_pairing_evictions_total",
                "anchorwatch_kafka_ingress_lag", "anchorwatch_kafka_ingress_idle_seconds",
                "anchorwatch_kafka_ingress_retries_total", "anchorwatch_sink_publish_total",
                "anchorwatch_sink_duration_seconds_sum")) {
            assertTrue(wanted.contains(n), "the dashboard or the rules should query " + n);
        }
        Map<String, Map<String, Double>> exposed = samples(scrape());
        List<String> missing = wanted.stream().filter(n -> !exposed.containsKey(n)).toList();
        assertTrue(missing.isEmpty(), "queried but not exposed on /q/metrics: " + missing);
    }

    @Test
    void oneExplanationCountsOnceAndItsPredictorRowsExactly() throws Exception {
        HttpRequest explain = HttpRequest.newBuilder(root.resolve("/v1/models/adult:explain"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]]}"))
                .build();
        // the first explanation of a model version also fetches the training rows' labels (counted by the predictor
        // metrics, in no explanation's counters): have that done before measuring one explanation
        assertEquals(200, http.send(explain, HttpResponse.BodyHandlers.ofString()).statusCode());
        Map<String, Map<String, Double>> before = samples(scrape());
        // another person of the same sex, race, country...: many of the anchors it tests were tested just now
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(root.resolve("/v1/models/adult:explain"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[31, 4, 0, 2, 8, 4, 2, 0, 0, 0, 45, 9]]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode raw = JSON.readTree(r.body()).path("data").path("raw");
        long rows = raw.path("predictor_rows").asLong();
        assertTrue(rows > 1, r.body());
        String outcome = JSON.readTree(r.body()).path("data").path("raw").path("success").asBoolean(true)
                ? "found" : "not_found";
        Map<String, Map<String, Double>> after = samples(scrape());

        String adult = "model=\"adult\"";
        assertEquals(1.0, sum(after, "anchorwatch_explanations_total", adult)
                - sum(before, "anchorwatch_explanations_total", adult));
        assertEquals(1.0, sum(after, "anchorwatch_explanation_duration_seconds_count", adult)
                - sum(before, "anchorwatch_explanation_duration_seconds_count", adult));
        assertEquals(0.0, sum(after, "anchorwatch_explanations_total", adult, "outcome=\"failed\"")
                - sum(before, "anchorwatch_explanations_total", adult, "outcome=\"failed\""));
        // the explanation's own cost: every row it met that neither the training labels nor its own earlier batches
        // held, either sent or answered by the rows earlier explanations of the model sent
        double sent = sum(after, "anchorwatch_predictor_rows_total", adult)
                - sum(before, "anchorwatch_predictor_rows_total", adult);
        double shared = sum(after, "anchorwatch_prediction_cache_shared_hits_total", adult)
                - sum(before, "anchorwatch_prediction_cache_shared_hits_total", adult);
        assertEquals((double) rows, sent + shared, "sent " + sent + ", shared " + shared);
        assertTrue(shared > 0, "the first explanation's samples were reused");
        double batches = sum(after, "anchorwatch_predictor_requests_total", adult, "outcome=\"ok\"")
                - sum(before, "anchorwatch_predictor_requests_total", adult, "outcome=\"ok\"");
        assertTrue(batches >= 1 && batches <= raw.path("predictor_calls").asLong(), "batches " + batches);
        assertEquals(batches, sum(after, "anchorwatch_predictor_duration_seconds_count", adult)
                - sum(before, "anchorwatch_predictor_duration_seconds_count", adult));
        assertFalse(outcome.isEmpty());
    }

    @Test
    void aMalformedEventIsRefusedAndCountedAsADeadLetter() throws Exception {
        String refused = "anchorwatch_ingest_events_total";
        String[] tags = {"source=\"http\"", "type=\"other\"", "outcome=\"dead_lettered\""};
        Map<String, Map<String, Double>> before = samples(scrape());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(root)
                .header("Content-Type", "application/json").header("Ce-Specversion", "1.0")
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[1]]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        Map<String, Map<String, Double>> after = samples(scrape());
        assertEquals(1.0, sum(after, refused, tags) - sum(before, refused, tags));
        assertEquals(1.0, sum(after, "anchorwatch_deadletters_total", "source=\"http\"", "reason=\"malformed\"")
                - sum(before, "anchorwatch_deadletters_total", "source=\"http\"", "reason=\"malformed\""));
    }

    @Test
    void getOnExplainAnswers405WithAJsonError() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(root.resolve("/v1/models/adult:explain")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode(), r.body());
        assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
        assertTrue(JSON.readTree(r.body()).path("error").asText().contains("POST"), r.body());
    }
}
