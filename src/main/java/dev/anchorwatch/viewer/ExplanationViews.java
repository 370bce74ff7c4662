package dev.anchorwatch.viewer;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.explain.ModelExplainer;
import dev.anchorwatch.explain.TabularModelExplainer;
import dev.anchorwatch.tabular.TabularData;

/**
 * What the explanation page shows beside the raw JSON, worked out on the server: for tabular explanations the
 * instance and the examples with feature names and category values from the model's spec (when the model is
 * registered here), the anchored features marked; for text the anchor words as spans of the text; for images the
 * two pictures; for KernelSHAP the attributions of the predicted class, largest first. Only data: the page escapes
 * everything when it shows it.
 */
public final class ExplanationViews {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Examples shown per kind (anchor holds with the same prediction / with another prediction). */
    static final int MAX_EXAMPLES = 10;

    private ExplanationViews() {
    }

    public static ObjectNode view(StoredExplanation e, Optional<ModelExplainer> model) {
        ObjectNode view = F.objectNode();
        JsonNode body;
        try {
            body = JSON.readTree(e.body());
        } catch (IOException ex) {
            view.put("kind", "unreadable");
            return view;
        }
        JsonNode one = body;
        if (body != null && body.isArray()) {
            view.put("instances", body.size());
            one = body.path(0);
        } else {
            view.put("instances", 1);
        }
        if (e.summary().outcome() == Outcome.FAILED || one == null || !one.has("data")) {
            view.put("kind", "failed");
            return view;
        }
        JsonNode data = one.path("data");
        JsonNode raw = data.path("raw");
        String explainer = one.path("meta").path("name").asText(e.summary().explainer());
        view.set("prediction", raw.path("prediction"));
        view.set("success", raw.path("success"));
        view.set("stop_reason", raw.path("stop_reason"));
        view.set("samples", raw.path("samples"));
        view.set("step_precision", raw.path("precision"));
        view.set("step_coverage", raw.path("coverage"));
        model.ifPresent(m -> {
            List<String> classes = m.spec().predictor() == null ? List.of() : m.spec().predictor().classNames();
            if (classes != null && !classes.isEmpty()) {
                ArrayNode names = view.putArray("class_names");
                classes.forEach(names::add);
            }
        });
        switch (explainer) {
            case "AnchorText" -> text(view, raw);
            case "AnchorImage" -> image(view, raw);
            case "KernelShap" -> shap(view, one);
            default -> tabular(view, raw, model.filter(TabularModelExplainer.class::isInstance)
                    .map(m -> ((TabularModelExplainer) m).anchors().training()));
        }
        return view;
    }

    private static JsonNode lastExamples(JsonNode raw) {
        JsonNode examples = raw.path("examples");
        return examples.isArray() && examples.size() > 0 ? examples.get(examples.size() - 1) : F.objectNode();
    }

    private static void tabular(ObjectNode view, JsonNode raw, Optional<TabularData> training) {
        view.put("kind", "tabular");
        JsonNode instance = raw.path("instance");
        JsonNode features = raw.path("feature");
        JsonNode names = raw.path("names");
        int d = instance.isArray() ? instance.size() : 0;
        ArrayNode header = view.putArray("feature_names");
        for (int f = 0; f < d; f++) {
            header.add(featureName(training, f));
        }
        ArrayNode rows = view.putArray("features");
        for (int f = 0; f < d; f++) {
            ObjectNode row = rows.addObject();
            row.put("name", featureName(training, f));
            row.put("value", display(training, f, instance.get(f)));
            ArrayNode predicates = row.putArray("predicates");
            for (int i = 0; i < features.size() && i < names.size(); i++) {
                if (features.get(i).asInt(-1) == f) {
                    predicates.add(names.get(i).asText());
                }
            }
            row.put("anchored", !predicates.isEmpty());
        }
        JsonNode last = lastExamples(raw);
        view.set("examples_same", decodeRows(last.path("covered_true"), training));
        view.set("examples_changed", decodeRows(last.path("covered_false"), training));
    }

    private static ArrayNode decodeRows(JsonNode rows, Optional<TabularData> training) {
        ArrayNode out = F.arrayNode();
        for (int r = 0; r < rows.size() && r < MAX_EXAMPLES; r++) {
            JsonNode row = rows.get(r);
            ArrayNode decoded = out.addArray();
            for (int f = 0; f < row.size(); f++) {
                decoded.add(display(training, f, row.get(f)));
            }
        }
        return out;
    }

    private static String featureName(Optional<TabularData> training, int f) {
        return training.filter(t -> f < t.featureCount()).map(t -> t.featureName(f)).orElse("feature " + f);
    }

    /** A category's name, an integer without ".0", or the number as JSON printed it. */
    static String display(Optional<TabularData> training, int f, JsonNode v) {
        if (v == null || !v.isNumber()) {
            return v == null ? "" : v.asText();
        }
        double x = v.asDouble();
        if (training.isPresent() && f < training.get().featureCount() && training.get().isCategorical(f)) {
            List<String> categories = training.get().categories(f);
            if (x == Math.rint(x) && x >= 0 && x < categories.size()) {
                return categories.get((int) x);
            }
        }
        if (x == Math.rint(x) && Math.abs(x) < 1e15) {
            return Long.toString((long) x);
        }
        return v.asText();
    }

    private static void text(ObjectNode view, JsonNode raw) {
        view.put("kind", "text");
        String text = raw.path("instance").isTextual() ? raw.path("instance").asText()
                : raw.path("instance").path(0).asText("");
        view.put("text", text);
        ArrayNode spans = view.putArray("spans");
        JsonNode names = raw.path("names");
        JsonNode positions = raw.path("positions");
        int codePoints = text.codePointCount(0, text.length());
        for (int i = 0; i < names.size() && i < positions.size(); i++) {
            String word = names.get(i).asText();
            int cp = positions.get(i).asInt(-1);
            if (cp < 0 || cp > codePoints) {
                continue;
            }
            int start = text.offsetByCodePoints(0, cp); // Alibi's offsets count code points; JavaScript's UTF-16 units
            int end = start + word.length();
            if (end <= text.length() && text.startsWith(word, start)) {
                spans.addObject().put("start", start).put("end", end).put("word", word);
            }
        }
        JsonNode last = lastExamples(raw);
        view.set("examples_same", firstTexts(last.path("covered_true")));
        view.set("examples_changed", firstTexts(last.path("covered_false")));
    }

    private static ArrayNode firstTexts(JsonNode list) {
        ArrayNode out = F.arrayNode();
        for (int i = 0; i < list.size() && i < MAX_EXAMPLES; i++) {
            out.add(list.get(i).asText());
        }
        return out;
    }

    private static void image(ObjectNode view, JsonNode raw) {
        view.put("kind", "image");
        JsonNode instance = raw.path("instance");
        if (instance.path("b64").isTextual()) {
            view.put("image_png", instance.path("b64").asText());
        }
        if (raw.path("overlay_png").isTextual()) {
            view.put("anchor_png", raw.path("overlay_png").asText());
        }
        view.set("segment_count", raw.path("segment_count"));
        JsonNode last = lastExamples(raw);
        view.put("examples_same_count", last.path("covered_true").size());
        view.put("examples_changed_count", last.path("covered_false").size());
    }

    /**
     * A KernelSHAP explanation (Alibi's KernelShap shape): the attributions of the class the model predicted (the only
     * output of a regression), each feature (or group) with its value and SHAP value, largest |SHAP value| first, ties
     * in feature order; and the additivity the values keep: {@code expected_value + sum = output}.
     */
    private static void shap(ObjectNode view, JsonNode one) {
        view.put("kind", "shap");
        JsonNode meta = one.path("meta");
        JsonNode data = one.path("data");
        JsonNode raw = data.path("raw");
        JsonNode values = data.path("shap_values");
        boolean regression = "regression".equals(meta.path("task").asText()) || values.size() == 1;
        int cls = regression ? 0 : raw.path("prediction").path(0).asInt(0);
        if (cls < 0 || cls >= values.size()) {
            cls = 0;
        }
        view.put("task", regression ? "regression" : "classification");
        view.put("shap_class", cls);
        view.set("link", meta.path("params").path("link"));
        JsonNode expected = data.path("expected_value").path(cls);
        view.set("expected_value", expected.isNumber() ? expected : F.nullNode());
        JsonNode output = raw.path("raw_prediction").path(0).path(cls);
        view.set("model_output", output.isNumber() ? output : F.nullNode());
        JsonNode phi = values.path(cls).path(0);
        JsonNode names = data.path("feature_names");
        JsonNode instance = raw.path("instances").path(0);
        JsonNode categories = data.path("categorical_names");
        JsonNode groups = meta.path("params").path("groups");
        int n = phi.size();
        Integer[] order = new Integer[n];
        double sum = 0;
        for (int f = 0; f < n; f++) {
            order[f] = f;
            sum += phi.get(f).asDouble();
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(Math.abs(phi.get(b).asDouble()),
                Math.abs(phi.get(a).asDouble())));
        view.put("shap_sum", sum);
        ArrayNode rows = view.putArray("attributions");
        for (int f : order) {
            ObjectNode row = rows.addObject();
            row.put("name", names.path(f).isTextual() ? names.get(f).asText() : "feature " + f);
            if (groups.isArray() && groups.path(f).isArray()) {
                StringBuilder v = new StringBuilder();
                for (JsonNode c : groups.get(f)) {
                    v.append(v.length() == 0 ? "" : ", ").append(shapValue(categories, c.asInt(), instance.path(c.asInt())));
                }
                row.put("value", v.toString());
            } else {
                row.put("value", shapValue(categories, f, instance.path(f)));
            }
            row.set("shap", phi.get(f));
        }
        view.set("plot_png", raw.path("plot_png").isTextual() ? raw.get("plot_png") : F.nullNode());
    }

    /** A value of a KernelSHAP instance: its category name (from the explanation's own categorical_names), else the number. */
    private static String shapValue(JsonNode categories, int f, JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return "";
        }
        JsonNode names = categories.path(Integer.toString(f));
        if (v.isNumber() && names.isArray()) {
            double x = v.asDouble();
            if (x == Math.rint(x) && x >= 0 && x < names.size()) {
                return names.get((int) x).asText();
            }
        }
        return display(Optional.empty(), f, v);
    }
}
