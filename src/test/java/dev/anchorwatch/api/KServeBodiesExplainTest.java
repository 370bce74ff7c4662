package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import dev.anchorwatch.testsupport.Http;

/**
 * :explain with the other bodies KServe's V1 data plane accepts, against the demo forest on its loopback model
 * server: {@code {"inputs": [[...]]}} and records mapped by the spec's feature names.
 */
@QuarkusTest
class KServeBodiesExplainTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ROW0 = "[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]";
    /** ROW0 as a record, as a pandas client sends it (categories by name or by code, in any key order). */
    static final String RECORD0 = """
            {"Country": "United-States", "Age": 52, "Workclass": "Private", "Education": 0,
             "Marital Status": "Separated", "Occupation": 8, "Relationship": "Unmarried", "Race": 2, "Sex": "Female",
             "Capital Gain": 0, "Capital Loss": 0, "Hours per week": 60}""";

    /** RECORD0 with its keys in another order. */
    static final String REORDERED0 = """
            {"Sex": "Female", "Race": 2, "Relationship": "Unmarried", "Occupation": 8, "Marital Status": "Separated",
             "Education": 0, "Workclass": "Private", "Age": 52, "Hours per week": 60, "Capital Loss": 0,
             "Capital Gain": 0, "Country": "United-States"}""";
    /** ROW0 as a record of codes, keys in yet another order. */
    static final String CODES0 = """
            {"Country": 9, "Hours per week": 60, "Capital Loss": 0, "Capital Gain": 0, "Sex": 0, "Race": 2,
             "Relationship": 4, "Occupation": 8, "Marital Status": 2, "Education": 0, "Workclass": 4, "Age": 52}""";

    @TestHTTPResource("/v1/models/adult:explain")
    URI explain;

    HttpResponse<String> post(String body) throws Exception {
        return Http.postJson(explain, body);
    }

    JsonNode ok(String body) throws Exception {
        HttpResponse<String> r = post(body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void inputsAndRecordsGetTheExplanationOfTheSameRow() throws Exception {
        JsonNode byInstances = ok("{\"instances\": [" + ROW0 + "]}");
        JsonNode byInputs = ok("{\"inputs\": [" + ROW0 + "]}");
        JsonNode byRecord = ok("{\"instances\": [" + RECORD0 + "]}");
        for (JsonNode e : List.of(byInstances, byInputs)) {
            ((ObjectNode) e.at("/data/raw")).remove("elapsed_ms");
        }
        assertEquals(byInstances.get("data"), byInputs.get("data"), "same row, same seed, same explanation");
        assertEquals(byInstances.at("/data/raw/instance"), byRecord.at("/data/raw/instance"));
        // the same record with its keys in another order (a DataFrame's columns reordered): the same explanation
        JsonNode reordered = ok("{\"instances\": [" + REORDERED0 + "]}");
        // a record of codes in the spec's order of values: the explanation of the list
        JsonNode byCodes = ok("{\"instances\": [" + CODES0 + "]}");
        for (JsonNode e : List.of(byRecord, reordered, byCodes)) {
            ((ObjectNode) e.at("/data/raw")).remove("elapsed_ms");
        }
        assertEquals(byRecord.get("data"), reordered.get("data"), "key order changes nothing");
        assertEquals(byInstances.get("data"), byCodes.get("data"), "a record of codes is explained as the list");
        JsonNode records = ok("{\"inputs\": [" + RECORD0 + ", " + RECORD0.replace("\"Age\": 52", "\"Age\": 23") + "]}");
        assertEquals(2, records.size());
        assertEquals(23.0, records.get(1).at("/data/raw/instance/0").asDouble());
    }

    @Test
    void recordsWithMissingOrUnknownColumnsAre400NamingThem() throws Exception {
        HttpResponse<String> missing = post("{\"instances\": [" + RECORD0.replace("\"Age\": 52, ", "") + "]}");
        assertEquals(400, missing.statusCode());
        String m = JSON.readTree(missing.body()).get("error").asText();
        assertTrue(m.contains("lacks column 'Age'") && m.contains("columns: Age, Workclass"), m);

        HttpResponse<String> unknown = post("{\"instances\": [" + RECORD0.replace("\"Age\"", "\"age\"") + "]}");
        assertEquals(400, unknown.statusCode());
        String u = JSON.readTree(unknown.body()).get("error").asText();
        assertTrue(u.contains("lacks column 'Age'; has unknown column 'age'"), u);

        HttpResponse<String> badCategory = post("{\"instances\": [" + RECORD0.replace("\"Separated\"", "\"Divorced\"") + "]}");
        assertEquals(400, badCategory.statusCode());
        assertTrue(badCategory.body().contains("Divorced"), badCategory.body());
    }

    /** A record field of the wrong type: 400, the message naming the field and what it holds. */
    @Test
    void recordsWithWrongTypedFieldsAre400NamingTheField() throws Exception {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("\"Age\": \"fifty\"", "feature 'Age': not a number: 'fifty'");
        cases.put("\"Age\": null", "feature 'Age': expected a number, got null");
        cases.put("\"Age\": [52]", "feature 'Age': expected a number, got [52]");
        cases.put("\"Age\": true", "feature 'Age': expected a number, got true");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = post("{\"instances\": [" + RECORD0.replace("\"Age\": 52", c.getKey()) + "]}");
            assertEquals(400, r.statusCode(), c.getKey() + ": " + r.body());
            assertEquals(c.getValue(), JSON.readTree(r.body()).get("error").asText(), c.getKey());
        }
        HttpResponse<String> code = post("{\"instances\": [" + RECORD0.replace("\"Race\": 2", "\"Race\": 9") + "]}");
        assertEquals(400, code.statusCode(), code.body());
        String m = JSON.readTree(code.body()).get("error").asText();
        assertTrue(m.contains("'Race'") && m.contains("9"), m);
        HttpResponse<String> fraction = post("{\"instances\": [" + RECORD0.replace("\"Race\": 2", "\"Race\": 2.5") + "]}");
        assertEquals(400, fraction.statusCode(), fraction.body());
        assertTrue(fraction.body().contains("'Race' is categorical"), fraction.body());
    }

    @TestHTTPResource("/")
    URI events;

    /** A logger event as KServe's logger posts it (binary mode, the client's Content-Type copied). */
    HttpResponse<String> logged(String id, String body) throws Exception {
        return Http.post(events, Map.of("Ce-Specversion", "1.0", "Ce-Id", id, "Ce-Source", "http://adult-predictor/",
                "Ce-Type", "org.kubeflow.serving.inference.request", "Ce-Inferenceservicename", "adult",
                "Content-Type", "application/json"), body);
    }

    /** Records logged by KServe's logger take the event path with the same mapping and the same clear refusals. */
    @Test
    void loggedRecordsAreExplainedOrRefusedNamingTheColumn() throws Exception {
        HttpResponse<String> ok = logged("rec-1", "{\"instances\": [" + RECORD0 + "]}");
        assertEquals(202, ok.statusCode(), ok.body());
        HttpResponse<String> missing = logged("rec-2", "{\"instances\": [" + RECORD0.replace("\"Age\": 52, ", "") + "]}");
        assertEquals(422, missing.statusCode(), missing.body());
        assertTrue(missing.body().contains("lacks column 'Age'"), missing.body());
        HttpResponse<String> wrongType = logged("rec-3", "{\"inputs\": [" + RECORD0.replace("\"Age\": 52", "\"Age\": \"old\"") + "]}");
        assertEquals(422, wrongType.statusCode(), wrongType.body());
        assertTrue(wrongType.body().contains("feature 'Age': not a number: 'old'"), wrongType.body());
    }

    @Test
    void instancesFirstIsKServesOldOneObjectAnswer() throws Exception {
        JsonNode single = ok("{\"instances\": [" + ROW0 + "]}");
        HttpResponse<String> r = Http.postJson(URI.create(explain + "?instances=first"),
                "{\"instances\": [" + ROW0 + ", [21, 4, 4, 1, 2, 3, 4, 1, 0, 0, 20, 9]]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode first = JSON.readTree(r.body());
        assertTrue(first.isObject(), "one explanation, not a list");
        for (JsonNode e : List.of(single, first)) {
            ((ObjectNode) e.at("/data/raw")).remove("elapsed_ms");
        }
        assertEquals(single.get("data"), first.get("data"), "the first instance's explanation");

        HttpResponse<String> bad = Http.post(URI.create(explain + "?instances=some"), Map.of(),
                "{\"instances\": [" + ROW0 + "]}");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("must be all") && bad.body().contains("first"), bad.body());
    }
}
