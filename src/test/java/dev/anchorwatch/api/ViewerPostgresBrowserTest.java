package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.demo.DemoModels;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.PostgresExplanationSink;
import dev.anchorwatch.testsupport.Browser;
import dev.anchorwatch.testsupport.LoopbackPostgres;
import dev.anchorwatch.testsupport.PostgresTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The viewer reading a real PostgreSQL (the postgres sink on, Flyway migrated at start), in a real headless
 * Chromium: a model whose spec has feature names and category values full of markup and quotes, explained over
 * the demo's real HTTP predictor; last week's explanations (real ones, re-dated) beside this week's on the model
 * page. Nothing from the spec or the request may run as script or become markup.
 */
@QuarkusTest
@TestProfile(ViewerPostgresBrowserTest.Profile.class)
@WithTestResource(PostgresTestResource.class)
class ViewerPostgresBrowserTest {

    static final String AGE = "Age <script>window.__xss=3</script>";
    static final String SEX = "Sex \"quoted\" & 'single'";
    static final String FEMALE = "<img src=x onerror=\"window.__xss=4\">Female";
    static final String SEPARATED = "Sep<b>arated</b>";

    public static class Profile implements QuarkusTestProfile {
        static final int DEMO_PORT;
        static final Path SPECS;

        static {
            try {
                DEMO_PORT = LoopbackPostgres.freeLoopbackPort();
                SPECS = writeEvilSpec();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // the demo's KernelSHAP explainer also explains every event of "evil": a model with two explainers
            return Map.of("anchorwatch.sinks.enabled", "postgres, log",
                    "anchorwatch.demo.port", Integer.toString(DEMO_PORT),
                    "anchorwatch.specs", SPECS.toString(),
                    "anchorwatch.demo.shap-model", "evil");
        }
    }

    /** The demo's Adult data and model under names a careless page would turn into markup. */
    static Path writeEvilSpec() throws IOException {
        Path dir = Files.createTempDirectory("anchorwatch-viewer-specs-");
        Path csv = dir.resolve("evil_train.csv");
        List<String> names = new ArrayList<>(List.of(AGE, "Workclass", "Education", "Marital Status", "Occupation",
                "Relationship", "Race", SEX, "Capital Gain", "Capital Loss", "Hours per week", "Country"));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                ViewerPostgresBrowserTest.class.getClassLoader().getResourceAsStream("demo/adult/adult_train.csv"),
                StandardCharsets.UTF_8))) {
            in.readLine();
            StringBuilder out = new StringBuilder();
            for (String n : names) {
                out.append('"').append(n.replace("\"", "\"\"")).append("\",");
            }
            out.append("label\n");
            String line;
            for (int i = 0; i < 4000 && (line = in.readLine()) != null; i++) {
                out.append(line).append('\n');
            }
            Files.writeString(csv, out);
        }
        ObjectNode spec = ViewerFixtures.JSON.createObjectNode();
        spec.put("name", "evil");
        spec.put("type", "AnchorTabular");
        spec.putObject("predictor").put("url", "http://127.0.0.1:" + Profile.DEMO_PORT).put("protocol", "v1")
                .put("model", "adult");
        ObjectNode data = spec.putObject("data");
        ArrayNode featureNames = data.putArray("feature_names");
        names.forEach(featureNames::add);
        ObjectNode categories = data.putObject("category_map");
        categories.set("1", list("?", "Federal-gov", "Local-gov", "Never-worked", "Private", "Self-emp-inc",
                "Self-emp-not-inc", "State-gov", "Without-pay"));
        categories.set("2", list("Associates", "Bachelors", "Doctorate", "Dropout", "High School grad", "Masters",
                "Prof-School"));
        categories.set("3", list("Married", "Never-Married", SEPARATED, "Widowed"));
        categories.set("4", list("?", "Admin", "Blue-Collar", "Military", "Other", "Professional", "Sales", "Service",
                "White-Collar"));
        categories.set("5", list("Husband", "Not-in-family", "Other-relative", "Own-child", "Unmarried", "Wife"));
        categories.set("6", list("Amer-Indian-Eskimo", "Asian-Pac-Islander", "Black", "Other", "White"));
        categories.set("7", list(FEMALE, "Male"));
        categories.set("11", list("?", "British-Commonwealth", "China", "Euro_1", "Euro_2", "Latin-America", "Other",
                "SE-Asia", "South-America", "United-States", "Yugoslavia"));
        data.put("training", csv.toString());
        data.put("label_column", "label");
        spec.putObject("parameters").put("threshold", 0.95).put("time_budget", "60s");
        Files.writeString(dir.resolve("evil.json"), spec.toPrettyString());
        return dir;
    }

    static ArrayNode list(String... values) {
        ArrayNode a = ViewerFixtures.JSON.createArrayNode();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    AgroalDataSource dataSource;

    static Browser browser;
    static boolean seeded;

    @BeforeEach
    void start() throws Exception {
        if (!seeded) {
            ViewerFixtures.post(base, "evil", "evil-1", "request", "{\"instances\": [" + DemoModels.ADULT_EXAMPLE + "]}", 202);
            ViewerFixtures.post(base, "evil", "evil-2", "request", "{\"instances\": [" + ViewerFixtures.ADULT_OTHER + "]}", 202);
            ViewerFixtures.post(base, "movie", "evil-movie", "request", ViewerFixtures.JSON.createObjectNode().set(
                    "instances", ViewerFixtures.JSON.createArrayNode().add(ViewerFixtures.EVIL_TEXT)).toString(), 202);
            redateLastWeek();
            seeded = true;
        }
        if (browser == null) {
            browser = Browser.start();
        }
    }

    /** The explanation of one inference by one explainer (evil's events have an Anchors and a KernelSHAP one). */
    JsonNode explanation(String inferenceId, String explainer) throws Exception {
        JsonNode all = ViewerFixtures.getJson(base, "/api/v1/inferences/" + inferenceId, 200).get("explanations");
        for (JsonNode e : all) {
            if (e.get("explainer").asText().equals(explainer)) {
                return e;
            }
        }
        throw new AssertionError("no " + explainer + " explanation of " + inferenceId + " in " + all);
    }

    /** Three copies of this week's explanation of evil-1 and one failure, dated 8 to 10 days ago. */
    void redateLastWeek() throws Exception {
        JsonNode e = explanation("evil-1", "AnchorTabular");
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            PostgresExplanationSink sink = new PostgresExplanationSink(dataSource, executor);
            for (int i = 0; i < 3; i++) {
                List<String> anchor = new ArrayList<>();
                e.get("anchor").forEach(a -> anchor.add(a.asText()));
                sink.publish(ExplanationRecord.builder().explanationId("old-" + i).inferenceId("evil-old-" + i)
                        .model("evil").namespace("default").explainer("AnchorTabular").anchor(anchor)
                        .precision(e.get("precision").asDouble()).coverage(e.get("coverage").asDouble())
                        .explainedPrediction("0").timing("explain", 900 + 100 * i).timing("predictor_calls", 20)
                        .timing("predictor_rows", 4000).createdAt(Instant.now().minus(Duration.ofDays(8 + i)))
                        .explanation(e.get("explanation").toString()).build()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            sink.publish(ExplanationRecord.builder().explanationId("old-failed").inferenceId("evil-old-failed")
                    .model("evil").explainer("AnchorTabular").createdAt(Instant.now().minus(Duration.ofDays(10)))
                    .failed("predictor <b>down</b>").build()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            executor.shutdown();
        }
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    static void noScriptRan(WebDriver d) {
        assertNull(((JavascriptExecutor) d).executeScript("return window.__xss === undefined ? null : window.__xss"),
                "markup from specs and requests never runs");
        assertTrue(d.findElements(By.cssSelector("main script, main img[src='x'], main b")).isEmpty(),
                "and never becomes elements");
    }

    @Test
    void markupInNamesAndTextsStaysTextFromListToModelPage() throws Exception {
        JsonNode list = ViewerFixtures.getJson(base, "/api/v1/explanations?model=evil&explainer=AnchorTabular", 200);
        assertEquals("postgres", list.get("store").asText());
        assertEquals(6, list.get("items").size(), "2 explained now, 4 re-dated");
        assertEquals(2, ViewerFixtures.getJson(base, "/api/v1/explanations?model=evil&explainer=KernelShap", 200)
                .get("items").size(), "and each of the 2 events by KernelSHAP too");
        JsonNode evil1 = explanation("evil-1", "AnchorTabular");
        List<String> anchor = new ArrayList<>();
        evil1.get("anchor").forEach(a -> anchor.add(a.asText()));
        assertTrue(anchor.stream().anyMatch(p -> p.contains(SEPARATED) || p.contains(FEMALE) || p.contains(SEX)),
                "the anchor names the marked-up feature or category: " + anchor);

        WebDriver d = browser.driver();
        browser.open(base.resolve("/ui/?model=evil").toString());
        noScriptRan(d);
        WebElement row = ViewerBrowserTest.rowOf(d, "evil-1", "AnchorTabular");
        assertEquals(anchor, row.findElements(By.cssSelector(".chip")).stream().map(WebElement::getText).toList());
        assertTrue(ViewerBrowserTest.rowOf(d, "evil-old-failed").getText().contains("predictor <b>down</b>"));
        browser.screenshot("postgres-list");

        row.findElement(By.cssSelector("a.explanation-link")).click();
        browser.awaitReady();
        noScriptRan(d);
        List<String> features = d.findElements(By.cssSelector("#instance-table tbody td:first-child")).stream()
                .map(WebElement::getText).toList();
        assertEquals(AGE, features.get(0));
        assertEquals(SEX, features.get(7));
        assertEquals(SEPARATED, d.findElements(By.cssSelector("#instance-table tbody tr")).get(3)
                .findElements(By.tagName("td")).get(1).getText());
        assertEquals(FEMALE, d.findElements(By.cssSelector("#instance-table tbody tr")).get(7)
                .findElements(By.tagName("td")).get(1).getText());
        assertEquals(anchor, d.findElements(By.cssSelector("#anchor .chip")).stream().map(WebElement::getText).toList());
        List<String> header = d.findElements(By.cssSelector("#examples-same thead th")).stream().map(WebElement::getText)
                .toList();
        assertEquals(AGE, header.get(0));
        d.findElement(By.cssSelector("details summary")).click(); // the JSON, folded by default
        assertTrue(d.findElement(By.id("raw")).getText().contains("\"anchor\""));
        browser.screenshot("postgres-explanation");

        d.findElement(By.cssSelector("#title a.model-link")).click();
        browser.awaitReady();
        noScriptRan(d);
        List<WebElement> weekRows = d.findElements(By.cssSelector("#weeks tbody tr"));
        assertEquals(List.of("2", "4"), weekRows.get(0).findElements(By.tagName("td")).stream().map(WebElement::getText)
                .toList(), "this week: 2 explanations; last week: 3 re-dated and a failure");
        assertEquals("75.0 %", weekRows.get(2).findElements(By.tagName("td")).get(1).getText(), "3 of 4 found last week");
        List<String> labels = d.findElements(By.cssSelector("#predicates-svg text.label")).stream()
                .map(WebElement::getText).toList();
        assertTrue(labels.containsAll(anchor), labels + " contains " + anchor);
        // a model with two explainers shows its Anchors explainer unless asked for another
        assertEquals("· AnchorTabular", d.findElement(By.id("model-explainer")).getText());
        browser.screenshot("postgres-model");
        d.findElement(By.linkText("KernelShap")).click();
        browser.awaitReady();
        assertEquals("· KernelShap", d.findElement(By.id("model-explainer")).getText());
        weekRows = d.findElements(By.cssSelector("#weeks tbody tr"));
        assertEquals(List.of("2", "0"), weekRows.get(0).findElements(By.tagName("td")).stream().map(WebElement::getText)
                .toList(), "KernelSHAP explained both events this week, none last week");
        assertEquals("No anchors in these two weeks.", d.findElement(By.cssSelector("#predicates-svg text.label")).getText());
        browser.screenshot("postgres-model-shap");
    }

    /**
     * The model page compares each week's 10 most frequent predicates. Last week had 11 predicates once each, so its
     * list is full and leaves one out: that one, frequent this week, is shown as at most the list's least share, not
     * as 0; a predicate missing from this week's short (complete) list is a true 0.
     */
    @Test
    void aPredicateBelowAWeeksTopTenIsShownAsABoundNotAZero() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            PostgresExplanationSink sink = new PostgresExplanationSink(dataSource, executor);
            for (int i = 0; i <= 10; i++) {
                publish(sink, "top-old-" + i, List.of("Q" + i + " = x"), Instant.now().minus(Duration.ofDays(8)));
            }
            publish(sink, "top-new", List.of("New = y", "Q9 = x"), Instant.now().minus(Duration.ofHours(1)));
        } finally {
            executor.shutdown();
        }
        WebDriver d = browser.driver();
        browser.open(base.resolve("/ui/model.html?name=topten").toString());
        List<String> labels = d.findElements(By.cssSelector("#predicates-svg text.label")).stream()
                .map(WebElement::getText).toList();
        List<String> values = d.findElements(By.cssSelector("#predicates-svg text.value")).stream()
                .map(WebElement::getText).toList();
        assertEquals(2 * labels.size(), values.size());
        // "Q9 = x" sorts last of the 11 ties (by text), so last week's top 10 leaves it out
        int q9 = labels.indexOf("Q9 = x");
        assertEquals(List.of("100.0 %", "≤ 9.1 %"), values.subList(2 * q9, 2 * q9 + 2));
        int q0 = labels.indexOf("Q0 = x");
        assertEquals(List.of("0.0 %", "9.1 %"), values.subList(2 * q0, 2 * q0 + 2));
        browser.screenshot("postgres-model-top");
    }

    static void publish(PostgresExplanationSink sink, String id, List<String> anchor, Instant at) throws Exception {
        StringBuilder a = new StringBuilder();
        anchor.forEach(p -> a.append(a.length() == 0 ? "" : ",").append('"').append(p).append('"'));
        sink.publish(ExplanationRecord.builder().explanationId(id).inferenceId(id).model("topten")
                .explainer("AnchorTabular").anchor(anchor).precision(0.96).coverage(0.1).explainedPrediction("0")
                .timing("explain", 100).createdAt(at)
                .explanation("{\"data\": {\"anchor\": [" + a + "], \"raw\": {\"success\": true}}}").build())
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void kernelShapExplanationsShowTheirAttributions() throws Exception {
        JsonNode models = ViewerFixtures.getJson(base, "/api/v1/models", 200);
        List<String> names = new ArrayList<>();
        JsonNode evil = null;
        for (JsonNode m : models.get("models")) {
            names.add(m.get("name").asText());
            if (m.get("name").asText().equals("evil")) {
                evil = m;
            }
        }
        assertTrue(names.contains("evil") && !names.contains("adult-shap"), "models, not explainer names: " + names);
        assertEquals(List.of("AnchorTabular", "KernelShap"), evil.findValuesAsText("type"));

        JsonNode shap = explanation("evil-1", "KernelShap");
        JsonNode view = shap.get("view");
        assertEquals("shap", view.get("kind").asText());
        WebDriver d = browser.driver();
        browser.open(base.resolve("/ui/?model=evil&explainer=KernelShap").toString());
        WebElement row = ViewerBrowserTest.rowOf(d, "evil-1", "KernelShap");
        assertEquals("explained", row.findElement(By.cssSelector(".badge")).getText());
        assertEquals("feature attributions (no anchor)", row.findElement(By.cssSelector(".attributions")).getText());
        assertTrue(row.findElements(By.cssSelector(".chip")).isEmpty(), "no anchor chips");
        row.findElement(By.cssSelector("a.explanation-link")).click();
        browser.awaitReady();
        noScriptRan(d);
        assertEquals("Attributions (KernelSHAP)", d.findElement(By.id("anchor-title")).getText());
        assertTrue(d.findElements(By.cssSelector("#bars")).stream().noneMatch(WebElement::isDisplayed), "no precision bars");
        List<WebElement> rows = d.findElements(By.cssSelector("#shap-table tbody tr"));
        assertEquals(12, rows.size());
        List<String> shownNames = rows.stream().map(r -> r.findElements(By.tagName("td")).get(0).getText()).toList();
        assertEquals(view.get("attributions").findValuesAsText("name"), shownNames, "largest |SHAP value| first");
        double first = view.get("attributions").get(0).get("shap").asDouble();
        String shown = rows.get(0).findElement(By.cssSelector(".shap-value")).getText();
        assertTrue(first <= 0 || shown.startsWith("+"), shown);
        assertEquals(first, Double.parseDouble(shown), Math.abs(first) * 5e-4, "4 significant digits: " + shown);
        String barWidth = rows.get(0).findElement(By.cssSelector(".fill")).getCssValue("width");
        assertTrue(Double.parseDouble(barWidth.replace("px", "")) > 0, barWidth);
        String summary = d.findElement(By.id("shap-summary")).getText();
        assertTrue(summary.contains(String.format("%.4f", view.get("model_output").asDouble()))
                && summary.contains(String.format("%.4f", view.get("expected_value").asDouble())), summary);
        assertTrue(d.findElement(By.id("examples-card")).getAttribute("hidden") != null, "KernelSHAP has no examples");
        browser.screenshot("postgres-explanation-shap");
    }
}
