package dev.anchorwatch.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Open Inference Protocol (KServe V2) client: {@code POST {base}/v2/models/{name}/infer} with one input tensor
 * {@code input-0}: rows as FP64 {@code [n, d]}, tensors as FP32 {@code [n, ...shape]}, texts as BYTES {@code [n]}.
 * Reads {@code outputs[0]}: shape {@code [n]} or {@code [n, 1]} holds labels (INT*, UINT*, integral FP*, BOOL, or
 * BYTES class names), shape {@code [n, k]} holds scores (argmax per row, first wins ties). Data may be flat or
 * nested.
 */
public final class OpenInferenceV2Predictor extends HttpPredictor {

    public OpenInferenceV2Predictor(PredictorConfig config) {
        this(config, null);
    }

    /** @param jitter source of backoff jitter; null for a fresh per-client one */
    public OpenInferenceV2Predictor(PredictorConfig config, RandomGenerator jitter) {
        super(requireV2(config), jitter);
    }

    private static PredictorConfig requireV2(PredictorConfig config) {
        if (config != null && config.protocol() != PredictorConfig.Protocol.V2) {
            throw new IllegalArgumentException("OpenInferenceV2Predictor needs protocol V2, got " + config.protocol());
        }
        return config;
    }

    @Override
    void writeBody(JsonGenerator json, Instances batch, int from, int to) throws IOException {
        int n = to - from;
        json.writeStartObject();
        json.writeArrayFieldStart("inputs");
        json.writeStartObject();
        json.writeStringField("name", "input-0");
        json.writeArrayFieldStart("shape");
        json.writeNumber(n);
        if (batch instanceof Instances.Rows r) {
            json.writeNumber(r.rows()[from].length);
            json.writeEndArray();
            json.writeStringField("datatype", "FP64");
            json.writeArrayFieldStart("data");
            for (int i = from; i < to; i++) {
                for (double v : r.rows()[i]) {
                    json.writeNumber(requireFinite(v));
                }
            }
        } else if (batch instanceof Instances.Texts t) {
            json.writeEndArray();
            json.writeStringField("datatype", "BYTES");
            json.writeArrayFieldStart("data");
            for (int i = from; i < to; i++) {
                json.writeString(t.texts().get(i));
            }
        } else if (batch instanceof Instances.Tensors t) {
            for (int dim : t.shape()) {
                json.writeNumber(dim);
            }
            json.writeEndArray();
            json.writeStringField("datatype", "FP32");
            json.writeArrayFieldStart("data");
            for (int i = from; i < to; i++) {
                for (float v : t.data()[i]) {
                    json.writeNumber((float) requireFinite(v));
                }
            }
        }
        json.writeEndArray();
        json.writeEndObject();
        json.writeEndArray();
        json.writeEndObject();
    }

    @Override
    int[] readLabels(JsonNode body, int expected, Labels labels) {
        JsonNode outputs = body.get("outputs");
        if (outputs == null || !outputs.isArray() || outputs.isEmpty() || !outputs.get(0).isObject()) {
            throw Labels.bad("response has no \"outputs\" tensor");
        }
        JsonNode output = outputs.get(0);
        String datatype = output.path("datatype").asText("");
        JsonNode shapeNode = output.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.isEmpty() || shapeNode.size() > 2) {
            throw Labels.bad("output shape must be [n] or [n, k], got " + shapeNode);
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!shapeNode.get(i).canConvertToLong() || shapeNode.get(i).asLong() < 0) {
                throw Labels.bad("output shape must be [n] or [n, k], got " + shapeNode);
            }
            shape[i] = shapeNode.get(i).asLong();
        }
        if (shape[0] != expected) {
            throw Labels.bad("response has " + shape[0] + " predictions for " + expected + " instances");
        }
        long width = shape.length == 2 ? shape[1] : 1;
        if (width < 1) {
            throw Labels.bad("output shape " + shapeNode + " has no scores");
        }
        List<JsonNode> data = new ArrayList<>();
        flatten(output.get("data"), data);
        if (data.size() != expected * width) {
            throw Labels.bad("output shape " + shapeNode + " needs " + expected * width + " values, data has "
                    + data.size());
        }
        checkTypes(datatype, data, width);
        int[] out = new int[expected];
        for (int i = 0; i < expected; i++) {
            if (width == 1) {
                out[i] = labels.fromLabel(data.get(i), i);
            } else {
                int row = (int) (i * width);
                out[i] = labels.argmax(Json.MAPPER.createArrayNode().addAll(data.subList(row,
                        (int) (row + width))), i);
            }
        }
        return out;
    }

    private static void flatten(JsonNode node, List<JsonNode> into) {
        if (node == null || !node.isArray()) {
            throw Labels.bad("output has no \"data\" array");
        }
        for (JsonNode child : node) {
            if (child.isArray()) {
                flatten(child, into);
            } else {
                into.add(child);
            }
        }
    }

    /** The datatype says what the values are; a server that sends something else is broken, not ambiguous. */
    private static void checkTypes(String datatype, List<JsonNode> data, long width) {
        String expected;
        if (datatype.equals("BOOL")) {
            expected = "boolean";
        } else if (datatype.equals("BYTES")) {
            expected = "string";
        } else if (datatype.matches("U?INT(8|16|32|64)|FP(16|32|64)")) {
            expected = "number";
        } else {
            throw Labels.bad("output datatype '" + Labels.shorten(datatype) + "' is not a label or score type");
        }
        if (width > 1 && !expected.equals("number")) {
            throw Labels.bad("output of datatype " + datatype + " cannot hold scores of shape [n, " + width + "]");
        }
        for (int i = 0; i < data.size(); i++) {
            JsonNode v = data.get(i);
            boolean ok = switch (expected) {
                case "boolean" -> v.isBoolean();
                case "string" -> v.isTextual();
                default -> v.isNumber();
            };
            if (!ok) {
                throw Labels.bad("output of datatype " + datatype + " has " + Labels.kind(v) + " at position " + i);
            }
        }
    }
}
