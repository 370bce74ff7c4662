package dev.anchorwatch.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.publish.ExplanationRecord;

/** What the explanation page is given for a KernelSHAP explanation (Alibi's KernelShap shape, as ShapModelExplainer writes it). */
class ExplanationViewsTest {

    static final String SHAP = """
            {"meta": {"name": "KernelShap", "task": "classification",
                      "params": {"link": "identity", "group_names": null, "groups": null, "grouped": false}},
             "data": {"shap_values": [[[0.01, -0.2, 0.05]], [[-0.01, 0.2, -0.05]]],
                      "expected_value": [0.7, 0.3],
                      "categorical_names": {"1": ["<b>Female</b>", "Male \\"m\\""]},
                      "feature_names": ["Age", "Sex <i>", "Hours"],
                      "raw": {"raw_prediction": [[0.56, 0.44]], "prediction": [1], "instances": [[39.0, 0.0, 40.5]],
                              "samples": 14, "stop_reason": "completed", "plot_png": "iVBORw0KGgo="}}}""";

    static StoredExplanation stored(String body) {
        return Summaries.of(ExplanationRecord.builder().explanationId("e1").inferenceId("i1").model("adult")
                .explainer("KernelShap").createdAt(ViewerRecords.T0).explanation(body).build());
    }

    static List<String> texts(JsonNode rows, String field) {
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.get(field).asText()));
        return out;
    }

    @Test
    void shapShowsThePredictedClassAttributionsLargestFirst() {
        ObjectNode view = ExplanationViews.view(stored(SHAP), Optional.empty());
        assertEquals("shap", view.get("kind").asText());
        assertEquals("classification", view.get("task").asText());
        assertEquals(1, view.get("shap_class").asInt(), "the predicted class, not class 0");
        assertEquals(0.3, view.get("expected_value").asDouble(), 0.0);
        assertEquals(0.44, view.get("model_output").asDouble(), 0.0);
        assertEquals(0.14, view.get("shap_sum").asDouble(), 1e-12);
        JsonNode rows = view.get("attributions");
        assertEquals(List.of("Sex <i>", "Hours", "Age"), texts(rows, "name"), "by |SHAP value| of class 1");
        assertEquals(List.of("<b>Female</b>", "40.5", "39"), texts(rows, "value"), "categories by the explanation's own names");
        assertEquals(List.of(0.2, -0.05, -0.01), List.of(rows.get(0).get("shap").asDouble(), rows.get(1).get("shap")
                .asDouble(), rows.get(2).get("shap").asDouble()));
        assertEquals("iVBORw0KGgo=", view.get("plot_png").asText());
        assertEquals("completed", view.get("stop_reason").asText());
    }

    @Test
    void regressionAndGroupsUseTheOnlyOutputAndEachGroupsColumns() {
        String grouped = """
                {"meta": {"name": "KernelShap", "task": "regression",
                          "params": {"link": "identity", "group_names": ["who", "hours"], "groups": [[0, 1], [2]],
                                     "grouped": true}},
                 "data": {"shap_values": [[[1.5, -3.0]]], "expected_value": [10.0],
                          "categorical_names": {"1": ["F", "M"]}, "feature_names": ["who", "hours"],
                          "raw": {"raw_prediction": [[8.5]], "prediction": [0], "instances": [[39.0, 1.0, 40.0]]}}}""";
        ObjectNode view = ExplanationViews.view(stored(grouped), Optional.empty());
        assertEquals("regression", view.get("task").asText());
        assertEquals(0, view.get("shap_class").asInt());
        assertEquals(8.5, view.get("model_output").asDouble(), 0.0);
        assertEquals(-1.5, view.get("shap_sum").asDouble(), 1e-12);
        assertEquals(List.of("hours", "who"), texts(view.get("attributions"), "name"));
        assertEquals(List.of("40", "39, M"), texts(view.get("attributions"), "value"));
    }
}
