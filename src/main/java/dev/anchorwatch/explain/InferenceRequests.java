package dev.anchorwatch.explain;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The instances of an inference request body, in every form KServe's data planes accept:
 * <ul>
 * <li>KServe V1 {@code {"instances": [...]}};</li>
 * <li>KServe V1 {@code {"inputs": [...]}}: the same list under another key (KServe's V1 server reads either), told
 * apart from Open Inference V2 because its elements are not tensor objects;</li>
 * <li>Open Inference V2 {@code {"inputs": [{"name", "shape", "datatype", "data"}, ...]}}: the rows of the first
 * tensor.</li>
 * </ul>
 * An instance may be a list of values, a string, an image, or a record ({@code {"Age": 52, ...}}) that the
 * explainer maps by the spec's feature names. Malformed bodies are {@link ExplainException.Kind#BAD_INPUT}.
 */
public final class InferenceRequests {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private InferenceRequests() {
    }

    public enum Form {
        /** {@code {"instances": [...]}} */
        V1_INSTANCES,
        /** {@code {"inputs": [...]}} with instances, not tensors */
        V1_INPUTS,
        /** {@code {"inputs": [tensor, ...]}} */
        V2_TENSORS;

        public boolean isV1() {
            return this != V2_TENSORS;
        }
    }

    /** An Open Inference V2 tensor: an object with a datatype and a shape. */
    public static boolean isTensor(JsonNode n) {
        return n != null && n.isObject() && n.has("datatype") && n.has("shape");
    }

    public static Form form(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw bad("body must be a JSON object with \"instances\" (KServe V1) or \"inputs\" (KServe V1 or Open "
                    + "Inference V2)");
        }
        JsonNode instances = body.get("instances");
        if (instances != null) {
            if (!instances.isArray()) {
                throw bad("\"instances\" must be a list");
            }
            return Form.V1_INSTANCES;
        }
        JsonNode inputs = body.get("inputs");
        if (inputs == null) {
            throw bad("body has neither \"instances\" (KServe V1) nor \"inputs\" (KServe V1 or Open Inference V2)");
        }
        if (!inputs.isArray() || inputs.isEmpty()) {
            throw bad("\"inputs\" must be a non-empty list: send {\"instances\": [...]} or {\"inputs\": [...]} with at least "
                    + "one instance (KServe V1), or {\"inputs\": [...]} with tensors (Open Inference V2)");
        }
        int tensors = 0;
        for (JsonNode n : inputs) {
            if (isTensor(n)) {
                tensors++;
            }
        }
        if (tensors == inputs.size()) {
            return Form.V2_TENSORS;
        }
        if (tensors > 0) {
            throw bad("\"inputs\" mixes Open Inference V2 tensors (objects with \"datatype\" and \"shape\") with other "
                    + "values; send either a list of instances (KServe V1) or a list of tensors (V2)");
        }
        return Form.V1_INPUTS;
    }

    /** How many instances the body holds, without copying them (for admission). */
    public static long count(JsonNode body) {
        Form form = form(body);
        return switch (form) {
            case V1_INSTANCES -> body.get("instances").size();
            case V1_INPUTS -> body.get("inputs").size();
            case V2_TENSORS -> {
                JsonNode shape = body.get("inputs").get(0).path("shape");
                yield shape.isArray() && !shape.isEmpty() ? shape.get(0).asLong() : 1;
            }
        };
    }

    /** The instances, in order. */
    public static List<JsonNode> instances(JsonNode body) {
        Form form = form(body);
        List<JsonNode> out = new ArrayList<>();
        switch (form) {
            case V1_INSTANCES -> body.get("instances").forEach(out::add);
            case V1_INPUTS -> body.get("inputs").forEach(out::add);
            case V2_TENSORS -> out.addAll(tensorRows(body.get("inputs").get(0)));
        }
        return out;
    }

    /** The rows of a V2 tensor: its data (flat row-major, or nested by rows) cut by the first dimension. */
    static List<JsonNode> tensorRows(JsonNode tensor) {
        JsonNode shape = tensor.path("shape");
        JsonNode data = tensor.path("data");
        String name = tensor.path("name").asText("input-0");
        if (!shape.isArray() || shape.isEmpty()) {
            throw bad("V2 input tensor '" + name + "' needs a \"shape\" list");
        }
        if (data.isMissingNode()) {
            throw bad(tensor.path("parameters").has("binary_data_size")
                    ? "V2 input tensor '" + name + "' carries its data as binary tensor data after the JSON header, "
                            + "which was not decoded"
                    : "V2 input tensor '" + name + "' has no \"data\"");
        }
        if (!data.isArray()) {
            throw bad("V2 input tensor '" + name + "': \"data\" must be a list");
        }
        long n = shape.get(0).asLong();
        long width = 1;
        for (int i = 1; i < shape.size(); i++) {
            width *= shape.get(i).asLong();
        }
        List<JsonNode> flat = new ArrayList<>();
        flatten(data, flat);
        if (n <= 0 || width <= 0 || flat.size() != n * width) {
            throw bad("V2 input tensor '" + name + "' of shape " + shape + " has " + flat.size() + " values");
        }
        List<JsonNode> out = new ArrayList<>((int) n);
        for (int r = 0; r < n; r++) {
            ArrayNode row = F.arrayNode();
            for (int c = 0; c < width; c++) {
                row.add(flat.get((int) (r * width + c)));
            }
            out.add(shape.size() == 1 ? row.get(0) : row);
        }
        return out;
    }

    private static void flatten(JsonNode node, List<JsonNode> out) {
        if (node.isArray()) {
            node.forEach(n -> flatten(n, out));
        } else {
            out.add(node);
        }
    }

    private static ExplainException bad(String message) {
        return new ExplainException(ExplainException.Kind.BAD_INPUT, message);
    }
}
