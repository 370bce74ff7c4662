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
    /** Open Inference binary tensor data extension: the JSON part's length; tensor bytes follow it. */
    public static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";
    /** The server metadata extension name that announces binary tensor data. */
    public static final String BINARY_TENSOR_DATA = "binary_tensor_data";

    /** How image tensors travel: as JSON numbers, or as raw bytes with the binary tensor data extension. */
    public enum TensorEncoding {
        /** JSON numbers (every server understands them). */
        JSON,
        /** Raw little-endian FP32 after a JSON header ({@code Inference-Header-Content-Length}). */
        BINARY,
        /** Binary when the server's metadata ({@code GET /v2}) lists the {@code binary_tensor_data} extension. */
        AUTO
    }

    private final TensorEncoding encoding;
    /** AUTO's answer once the server has told it; null until then. */
    private volatile Boolean serverTakesBinary;

    public OpenInferenceV2Predictor(PredictorConfig config) {
        this(config, null);
    }

    /** @param jitter source of backoff jitter; null for a fresh per-client one */
    public OpenInferenceV2Predictor(PredictorConfig config, RandomGenerator jitter) {
        this(config, jitter, TensorEncoding.JSON);
    }

    /**
     * @param jitter   source of backoff jitter; null for a fresh per-client one
     * @param encoding how tensors (images) are sent; rows and texts always go as JSON
     */
    public OpenInferenceV2Predictor(PredictorConfig config, RandomGenerator jitter, TensorEncoding encoding) {
        super(requireV2(config), jitter);
        this.encoding = java.util.Objects.requireNonNull(encoding, "encoding");
    }

    /** Whether tensors go as binary data now (for AUTO: once the server's metadata has been read). */
    public boolean sendsBinaryTensors() {
        return encoding == TensorEncoding.BINARY || (encoding == TensorEncoding.AUTO && serverTakesBinary());
    }

    @Override
    Encoded encode(Instances batch, int from, int to) {
        if (!(batch instanceof Instances.Tensors t) || !sendsBinaryTensors()) {
            return super.encode(batch, from, to);
        }
        int n = to - from;
        int values = t.data()[from].length;
        long bytes = (long) n * values * Float.BYTES;
        java.io.ByteArrayOutputStream header = new java.io.ByteArrayOutputStream(256);
        try (JsonGenerator json = Json.FACTORY.createGenerator(header)) {
            json.writeStartObject();
            json.writeArrayFieldStart("inputs");
            json.writeStartObject();
            json.writeStringField("name", "input-0");
            json.writeArrayFieldStart("shape");
            json.writeNumber(n);
            for (int dim : t.shape()) {
                json.writeNumber(dim);
            }
            json.writeEndArray();
            json.writeStringField("datatype", "FP32");
            json.writeObjectFieldStart("parameters");
            json.writeNumberField("binary_data_size", bytes);
            json.writeEndObject();
            json.writeEndObject();
            json.writeEndArray();
            json.writeObjectFieldStart("parameters"); // labels back as JSON
            json.writeBooleanField("binary_data_output", false);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a request header in memory", e);
        }
        byte[] head = header.toByteArray();
        if (head.length + bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a request of " + n + " tensors of " + values + " values is too large;"
                    + " lower max_rows_per_request");
        }
        byte[] body = new byte[(int) (head.length + bytes)];
        System.arraycopy(head, 0, body, 0, head.length);
        java.nio.FloatBuffer out = java.nio.ByteBuffer.wrap(body, head.length, (int) bytes).slice()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = from; i < to; i++) {
            for (float v : t.data()[i]) {
                requireFinite(v);
            }
            out.put(t.data()[i]);
        }
        return new Encoded(body, "application/octet-stream",
                java.util.Map.of(INFERENCE_HEADER_CONTENT_LENGTH, Integer.toString(head.length)));
    }

    /** Reads the server metadata once; a server that cannot be asked now gets JSON and is asked again next time. */
    private boolean serverTakesBinary() {
        Boolean known = serverTakesBinary;
        if (known != null) {
            return known;
        }
        java.net.URI metadata = java.net.URI.create(config().baseUrl() + "/v2");
        try {
            java.net.http.HttpResponse<byte[]> r = httpClient().send(java.net.http.HttpRequest.newBuilder(metadata)
                    .timeout(config().requestTimeout()).header("Accept", "application/json").GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 500 || r.statusCode() == 429) {
                return false; // transient: ask again later
            }
            boolean binary = false;
            if (r.statusCode() == 200) {
                JsonNode extensions = Json.MAPPER.readTree(r.body()).path("extensions");
                for (JsonNode e : extensions) {
                    binary |= BINARY_TENSOR_DATA.equals(e.asText());
                }
            }
            serverTakesBinary = binary;
            return binary;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A response in the binary framing: the JSON part, with binary outputs decoded into {@code data} by
     * {@link BinaryTensors} (the same reader the ingress uses for logged V2 bodies).
     */
    @Override
    JsonNode parseResponse(java.net.http.HttpResponse<byte[]> response) throws IOException {
        java.util.Optional<String> headerLength = response.headers()
                .firstValue(INFERENCE_HEADER_CONTENT_LENGTH);
        byte[] body = response.body();
        if (headerLength.isEmpty()) {
            return Json.MAPPER.readTree(body);
        }
        int n;
        try {
            n = Integer.parseInt(headerLength.get().strip());
        } catch (NumberFormatException e) {
            throw Labels.bad(INFERENCE_HEADER_CONTENT_LENGTH + " is not a number");
        }
        if (n < 0 || n > body.length) {
            throw Labels.bad(INFERENCE_HEADER_CONTENT_LENGTH + " " + n + " is outside the body");
        }
        JsonNode json = Json.MAPPER.readTree(body, 0, n);
        if (json instanceof com.fasterxml.jackson.databind.node.ObjectNode header) {
            try {
                // the body is already held whole, so no further cap on the decoded values than before
                BinaryTensors.decode(header, body, n, "outputs", Long.MAX_VALUE);
            } catch (IllegalArgumentException e) {
                throw Labels.bad("binary output: " + e.getMessage());
            }
        }
        return json;
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
        JsonNode output = firstOutput(body);
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
        List<JsonNode> data = values(output, datatype, expected, width);
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

    /** Scores from {@code outputs[0]} of a numeric datatype: shape [n, k] (k scores each) or [n] (one value each). */
    @Override
    double[][] readScores(JsonNode body, int expected) {
        JsonNode output = firstOutput(body);
        String datatype = output.path("datatype").asText("");
        if (!datatype.matches("U?INT(8|16|32|64)|FP(16|32|64)")) {
            throw Labels.bad("output datatype '" + Labels.shorten(datatype) + "' holds no scores");
        }
        JsonNode shapeNode = output.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.isEmpty() || shapeNode.size() > 2
                || shapeNode.get(0).asLong() != expected) {
            throw Labels.bad("output shape must be [" + expected + "] or [" + expected + ", k], got " + shapeNode);
        }
        long width = shapeNode.size() == 2 ? shapeNode.get(1).asLong() : 1;
        if (width < 1 || width > 1_000_000) {
            throw Labels.bad("output shape " + shapeNode + " has no usable scores");
        }
        List<JsonNode> data = values(output, datatype, expected, width);
        double[][] out = new double[expected][(int) width];
        for (int i = 0; i < expected; i++) {
            for (int j = 0; j < width; j++) {
                out[i][j] = data.get((int) (i * width + j)).asDouble();
            }
        }
        return out;
    }

    /** {@code outputs[0]} of a response, which labels and scores are read from. */
    private static JsonNode firstOutput(JsonNode body) {
        JsonNode outputs = body.get("outputs");
        if (outputs == null || !outputs.isArray() || outputs.isEmpty() || !outputs.get(0).isObject()) {
            throw Labels.bad("response has no \"outputs\" tensor");
        }
        return outputs.get(0);
    }

    /** The output's values, flat, exactly {@code expected * width} of them and each of its datatype's kind. */
    private static List<JsonNode> values(JsonNode output, String datatype, int expected, long width) {
        List<JsonNode> data = new ArrayList<>();
        flatten(output.get("data"), data);
        if (data.size() != expected * width) {
            throw Labels.bad("output shape " + output.get("shape") + " needs " + expected * width + " values, data has "
                    + data.size());
        }
        checkTypes(datatype, data, width);
        return data;
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
