package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import dev.anchorwatch.testsupport.Http;

/**
 * The production default of the demo: the Adult model explained by AnchorTabular and KernelSHAP. Over real HTTP,
 * {@code :explain} answers with the explainer named as the model, and {@code ?explainer=} picks the other by name or
 * type; an explainer the model does not have is a 404 that lists those it has.
 */
@QuarkusTest
@TestProfile(ExplainerChoiceResourceTest.Profile.class)
class ExplainerChoiceResourceTest {
    static final String ROW0 = "{\"instances\": [[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]]}";
    static final ObjectMapper JSON = new ObjectMapper();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("anchorwatch.demo.shap-model", "adult");
        }
    }

    @TestHTTPResource("/v1/models")
    URI models;

    HttpResponse<String> explain(String query) throws Exception {
        String uri = models + "/adult:explain" + (query == null ? ""
                : "?explainer=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        return Http.postJson(URI.create(uri), ROW0);
    }

    static JsonNode ok(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void theModelsOwnNameAnswersWithAnchorsAndTypeOrNamePicksAmongItsExplainers() throws Exception {
        JsonNode plain = ok(explain(null));
        assertEquals("AnchorTabular", plain.at("/meta/name").asText(), "KServe's URL keeps its answer");
        assertEquals("[\"Marital Status = Separated\",\"Relationship = Unmarried\",\"Sex = Female\"]",
                plain.at("/data/anchor").toString());
        assertEquals(plain.at("/data/anchor"), ok(explain("AnchorTabular")).at("/data/anchor"));

        JsonNode byType = ok(explain("KernelShap"));
        assertEquals("KernelShap", byType.at("/meta/name").asText());
        JsonNode data = byType.get("data");
        assertEquals(2, data.get("shap_values").size(), "one row of values per class");
        assertEquals(12, data.at("/shap_values/0/0").size(), "one value per Adult feature");
        // efficiency, per class: the attributions add up to f(x) - E[f]
        for (int c = 0; c < 2; c++) {
            double sum = 0;
            for (JsonNode v : data.at("/shap_values/" + c + "/0")) {
                sum += v.asDouble();
            }
            double gap = data.at("/expected_value/" + c).asDouble() + sum - data.at("/raw/raw_prediction/0/" + c).asDouble();
            assertEquals(0, gap, 1e-9, "class " + c);
        }
        assertEquals(0, data.at("/raw/prediction/0").asInt());
        assertTrue(data.at("/raw/predictor_calls").asInt() > 0);

        JsonNode byName = ok(explain("adult-shap"));
        assertEquals(data.get("shap_values"), byName.at("/data/shap_values"), "the same explainer, the same answer");

        HttpResponse<String> missing = explain("CounterFactual");
        assertEquals(404, missing.statusCode(), missing.body());
        String error = JSON.readTree(missing.body()).get("error").asText();
        assertTrue(error.contains("has no explainer 'CounterFactual'") && error.contains("adult-shap")
                && error.contains("KernelShap"), error);
    }
}
