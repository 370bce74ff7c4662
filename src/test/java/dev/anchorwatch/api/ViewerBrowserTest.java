package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import com.fasterxml.jackson.databind.JsonNode;

import dev.anchorwatch.testsupport.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The viewer's pages in a real headless Chromium against the embedded default (in-memory store), with real
 * explanations of the demo models: list → filter → explanation → model page, text and image explanations, and
 * a review whose text is markup. Screenshots go to target/viewer-screenshots/.
 */
@QuarkusTest
class ViewerBrowserTest {

    @TestHTTPResource("/")
    URI base;

    static Browser browser;

    @BeforeEach
    void start() throws Exception {
        ViewerFixtures.seed(base);
        if (browser == null) {
            browser = Browser.start();
        }
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    static WebElement rowOf(WebDriver d, String inferenceId) {
        return rowOf(d, inferenceId, null);
    }

    /** The list's row of one inference, and of one explainer (null: any) when the model has several. */
    static WebElement rowOf(WebDriver d, String inferenceId, String explainer) {
        for (WebElement row : d.findElements(By.cssSelector("#list tbody tr"))) {
            if (row.findElement(By.cssSelector("td.inference")).getText().equals(inferenceId) && (explainer == null
                    || row.findElements(By.tagName("td")).get(3).getText().equals(explainer))) {
                return row;
            }
        }
        throw new AssertionError("no row for " + inferenceId + " in " + d.findElement(By.id("list")).getText());
    }

    @Test
    void listThenExplanationThenModelPage() throws Exception {
        WebDriver d = browser.driver();
        browser.open(base.resolve("/").toString()); // GET / lands on the viewer
        assertTrue(d.getCurrentUrl().endsWith("/ui/"), d.getCurrentUrl());
        WebElement adult = rowOf(d, "viewer-adult-1");
        assertTrue(adult.getText().contains("Marital Status = Separated"), adult.getText());
        assertEquals(List.of("Marital Status = Separated", "Relationship = Unmarried", "Sex = Female"),
                adult.findElements(By.cssSelector(".chip")).stream().map(WebElement::getText).toList());
        browser.screenshot("list");

        // filter: the failures of adult
        new Select(d.findElement(By.id("f-model"))).selectByValue("adult");
        new Select(d.findElement(By.id("f-outcome"))).selectByValue("failed");
        d.findElement(By.id("f-apply")).click();
        browser.awaitReady();
        assertTrue(d.getCurrentUrl().contains("outcome=failed") && d.getCurrentUrl().contains("model=adult"));
        List<WebElement> rows = d.findElements(By.cssSelector("#list tbody tr"));
        assertFalse(rows.isEmpty());
        for (WebElement row : rows) {
            assertEquals("failed", row.findElement(By.cssSelector(".badge")).getText());
        }
        assertTrue(rowOf(d, "viewer-adult-bad").getText().contains("expects 12"));

        // a predicate typed into the form: every row's anchor contains it, and the one without it is gone
        browser.open(base.resolve("/ui/").toString());
        d.findElement(By.id("f-predicate")).sendKeys("Sex = Female");
        d.findElement(By.id("f-apply")).click();
        browser.awaitReady();
        assertTrue(d.getCurrentUrl().contains("predicate=Sex+%3D+Female"), d.getCurrentUrl());
        List<WebElement> withFemale = d.findElements(By.cssSelector("#list tbody tr"));
        assertFalse(withFemale.isEmpty());
        for (WebElement row : withFemale) {
            assertTrue(row.findElements(By.cssSelector(".chip")).stream().anyMatch(c -> c.getText().equals("Sex = Female")),
                    row.getText());
        }
        List<String> expected = new java.util.ArrayList<>();
        ViewerFixtures.getJson(base, "/api/v1/explanations?predicate=Sex%20%3D%20Female", 200).get("items")
                .forEach(i -> expected.add(i.get("inference_id").asText()));
        assertEquals(expected, withFemale.stream().map(r -> r.findElement(By.cssSelector("td.inference")).getText()).toList());
        assertTrue(ViewerFixtures.getJson(base, "/api/v1/explanations", 200).get("items").size() > expected.size(),
                "the filter left some out");

        // back to everything, then into one explanation
        browser.open(base.resolve("/ui/?model=adult&mismatch=true").toString());
        JsonNode differing = ViewerFixtures.getJson(base, "/api/v1/explanations?model=adult&mismatch=true", 200)
                .get("items").get(0);
        rowOf(d, differing.get("inference_id").asText()).findElement(By.cssSelector("a.explanation-link")).click();
        browser.awaitReady();
        assertTrue(d.getCurrentUrl().contains("explanation.html?id="), d.getCurrentUrl());
        assertEquals(List.of("Marital Status = Separated", "Relationship = Unmarried", "Sex = Female"),
                d.findElements(By.cssSelector("#anchor .chip")).stream().map(WebElement::getText).toList());
        String precision = d.findElement(By.id("precision")).getText();
        assertEquals(String.format("%.1f %%", 100 * differing.get("precision").asDouble()), precision);
        String width = d.findElement(By.id("precision-bar")).getCssValue("width");
        assertTrue(Double.parseDouble(width.replace("px", "")) > 0, width);
        List<String> anchored = d.findElements(By.cssSelector("#instance-table tr.anchored td:first-child")).stream()
                .map(WebElement::getText).toList();
        assertEquals(List.of("Marital Status", "Relationship", "Sex"), anchored);
        assertTrue(d.findElements(By.cssSelector("#examples-same tbody tr")).size() > 0);
        assertTrue(d.findElements(By.cssSelector("#examples-changed tbody tr")).size() > 0);
        assertEquals("differ", d.findElement(By.id("mismatch")).getText());
        String cost = d.findElement(By.id("cost")).getText();
        assertTrue(cost.contains("Predictor rows") && cost.contains(differing.get("predictor_rows").asText()), cost);
        browser.screenshot("explanation-tabular");

        // the model page
        d.findElement(By.cssSelector("#title a.model-link")).click();
        browser.awaitReady();
        assertEquals("adult", d.findElement(By.id("model-name")).getText());
        String weeks = d.findElement(By.id("weeks")).getText();
        assertTrue(weeks.contains("Success rate") && weeks.contains("Median precision"), weeks);
        List<String> bars = d.findElements(By.cssSelector("#predicates-svg text.label")).stream()
                .map(WebElement::getText).toList();
        assertTrue(bars.contains("Marital Status = Separated"), bars.toString());
        assertEquals(28, d.findElements(By.cssSelector("#success-svg circle")).size() + emptyBuckets(base),
                "one point per non-empty bucket of 28");
        browser.screenshot("model");
    }

    /** Buckets of the model page's series with no explanation (drawn without a point). */
    static int emptyBuckets(URI base) throws Exception {
        java.time.Instant now = java.time.Instant.now();
        JsonNode all = ViewerFixtures.getJson(base, "/api/v1/models/adult/series?buckets=28&from="
                + now.minus(java.time.Duration.ofDays(14)) + "&to=" + now, 200).get("points"); // the page's window
        int empty = 0;
        for (JsonNode p : all) {
            empty += p.get("total").asLong() == 0 ? 1 : 0;
        }
        return empty;
    }

    @Test
    void textIsShownAsTextWithAnchorWordsMarked() throws Exception {
        WebDriver d = browser.driver();
        browser.open(base.resolve("/ui/?inference_id=viewer-movie-1").toString());
        rowOf(d, "viewer-movie-1").findElement(By.cssSelector("a.explanation-link")).click();
        browser.awaitReady();
        assertEquals(ViewerFixtures.EVIL_TEXT, d.findElement(By.id("text-instance")).getText());
        assertNull(((JavascriptExecutor) d).executeScript("return window.__xss === undefined ? null : window.__xss"),
                "markup in the text never runs");
        assertTrue(d.findElements(By.cssSelector("#text-instance script, #text-instance img")).isEmpty());
        assertThrows(NoAlertPresentException.class, () -> d.switchTo().alert());
        JsonNode e = ViewerFixtures.getJson(base, "/api/v1/inferences/viewer-movie-1", 200).get("explanations").get(0);
        List<String> marked = d.findElements(By.cssSelector("mark.anchor-word")).stream().map(WebElement::getText).toList();
        List<String> anchor = new java.util.ArrayList<>();
        e.get("anchor").forEach(a -> anchor.add(a.asText()));
        assertEquals(anchor.stream().sorted().toList(), marked.stream().sorted().toList());
        // each mark sits at its span's offset in the text (the word may occur elsewhere too)
        Object at = ((JavascriptExecutor) d).executeScript("const out = []; let at = 0;"
                + " for (const n of document.getElementById('text-instance').childNodes) {"
                + "   if (n.nodeName === 'MARK') out.push(at); at += n.textContent.length; } return out;");
        List<Long> starts = new java.util.ArrayList<>();
        e.get("view").get("spans").forEach(span -> starts.add(span.get("start").asLong()));
        assertEquals(starts.stream().sorted().toList(), at);
        assertFalse(starts.isEmpty());
        browser.screenshot("explanation-text");
    }

    @Test
    void imageShowsTheOriginalBesideTheAnchor() throws Exception {
        WebDriver d = browser.driver();
        JsonNode e = ViewerFixtures.getJson(base, "/api/v1/inferences/viewer-fashion-1", 200).get("explanations").get(0);
        browser.open(base.resolve("/ui/explanation.html?id=" + e.get("id").asText()).toString());
        for (String id : List.of("image-original", "image-anchor")) {
            Object width = ((JavascriptExecutor) d).executeScript(
                    "return document.getElementById(arguments[0]).naturalWidth", id);
            assertTrue(((Number) width).intValue() > 0, id + " decoded");
        }
        String caption = d.findElement(By.id("image-caption")).getText();
        assertTrue(caption.contains("Ankle boot (9)") && caption.contains("precision") && caption.contains("coverage"), caption);
        browser.screenshot("explanation-image");
    }
}
