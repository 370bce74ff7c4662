package dev.anchorwatch.demo;

import dev.anchorwatch.model.*;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small real HTTP model server for in-process {@link Classifier}s, speaking KServe V1 and the Open Inference
 * Protocol (V2) over the JDK's HTTP server. It is what the embedded demo and other packages' tests call as "the
 * model": a real predictor over real HTTP inside the same JVM.
 *
 * <ul>
 *   <li>{@code GET /v1/models} and {@code GET /v1/models/{m}}: list, readiness</li>
 *   <li>{@code POST /v1/models/{m}:predict}: {@code {"instances": [[...], ...]}} to {@code {"predictions": [...]}}
 *       (an instance nested as an image, H×W or H×W×C, is read row-major),
 *       labels, or probability vectors for a model registered with {@link Output#PROBABILITIES}</li>
 *   <li>{@code GET /v2} (server metadata, advertising the {@code binary_tensor_data} extension),
 *       {@code /v2/health/ready}, {@code /v2/health/live}, {@code /v2/models/{m}}, {@code /v2/models/{m}/ready}</li>
 *   <li>{@code POST /v2/models/{m}/infer}: one numeric input {@code [n, d]} or {@code [n, h, w, ...]} (flat or
 *       nested data, or raw little-endian bytes after an {@code Inference-Header-Content-Length} JSON header) to output
 *       {@code output-0}, INT64 labels {@code [n]} (FP64 probabilities {@code [n, k]} with
 *       {@link Output#PROBABILITIES})</li>
 * </ul>
 * A text model ({@link Builder#textModel}) takes V1 instances that are strings and a V2 BYTES input {@code [n]},
 * and answers labels.
 * Errors are JSON {@code {"error": "..."}}: 404 unknown model or route, 405 wrong method, 400 malformed body or wrong
 * feature count, 413 body over the limit, 500 otherwise. Requests are handled on a bounded pool; when its queue is
 * full the accepting thread handles the request itself, which slows accepting down instead of queueing more.
 */
public final class ModelServer implements AutoCloseable {
    /** What a model's predict answers carry. */
    public enum Output {
        /** Class indices (V1 integers, V2 INT64 {@code [n]}). */
        LABELS,
        /** Class probability vectors (V1 arrays, V2 FP64 {@code [n, k]}). */
        PROBABILITIES
    }

    private record Served(String name, Classifier classifier, Output output) {
    }

    static {
        // The JDK server sends a response's headers and body as two TCP segments. With Nagle's algorithm on, the
        // body waits for the client's delayed ACK (40 ms on Linux): every predict request took >= 40 ms. Ask for
        // TCP_NODELAY unless the operator chose otherwise; the JDK reads this once, when its first server starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final Pattern V1_MODEL = Pattern.compile("/v1/models/([^/:]+)");
    private static final Pattern V1_PREDICT = Pattern.compile("/v1/models/([^/:]+):predict");
    private static final Pattern V2_MODEL = Pattern.compile("/v2/models/([^/]+)(/ready|/infer)?");
    private static final String INFERENCE_HEADER_CONTENT_LENGTH = OpenInferenceV2Predictor.INFERENCE_HEADER_CONTENT_LENGTH;
    private static final String BINARY_TENSOR_DATA = OpenInferenceV2Predictor.BINARY_TENSOR_DATA;

    private final Map<String, Served> models;
    private final Map<String, TextClassifier> textModels;
    private final long maxBodyBytes;
    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final LongAdder requests = new LongAdder();
    private final LongAdder rows = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();

    private ModelServer(Builder b) throws IOException {
        this.models = Map.copyOf(b.models);
        this.textModels = Map.copyOf(b.textModels);
        this.maxBodyBytes = b.maxBodyBytes;
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(b.threads, b.threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(b.queue), r -> {
                    Thread t = new Thread(r, "anchorwatch-model-server-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        this.pool.allowCoreThreadTimeOut(true);
        this.server = HttpServer.create(new InetSocketAddress(b.host, b.port), 64);
        this.server.createContext("/", this::handle);
        this.server.setExecutor(pool);
        this.server.start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    /** {@code http://host:port}, ready for {@link PredictorConfig#of}. */
    public String baseUrl() {
        String host = host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** Predict and infer requests answered with 200. */
    public long requests() {
        return requests.sum();
    }

    /** Instances predicted in those requests. */
    public long rows() {
        return rows.sum();
    }

    /** Request body bytes read, over all requests (what clients sent, for benchmarks). */
    public long bytesReceived() {
        return bytesReceived.sum();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    // ---- request handling

    /** An answer with a status; thrown to end a request early with a clear JSON error. */
    private static final class HttpError extends Exception {
        final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try {
                route(exchange);
            } catch (HttpError e) {
                sendError(exchange, e.status, e.getMessage());
            } catch (IllegalArgumentException e) {
                sendError(exchange, 400, e.getMessage());
            } catch (RuntimeException e) {
                sendError(exchange, 500, "internal error: " + e.getClass().getSimpleName());
            }
        }
    }

    private void route(HttpExchange ex) throws IOException, HttpError {
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        Matcher m;
        if ((m = V1_PREDICT.matcher(path)).matches()) {
            requireMethod(method, "POST");
            if (textModels.containsKey(m.group(1))) {
                predictTextV1(ex, textModels.get(m.group(1)), readBody(ex));
                return;
            }
            Served model = model(m.group(1));
            predictV1(ex, model, readBody(ex));
        } else if ((m = V1_MODEL.matcher(path)).matches()) {
            requireMethod(method, "GET");
            String name = textModels.containsKey(m.group(1)) ? m.group(1) : model(m.group(1)).name;
            sendJson(ex, 200, Map.of("name", name, "ready", true));
        } else if (path.equals("/v1/models")) {
            requireMethod(method, "GET");
            sendJson(ex, 200, Map.of("models", names()));
        } else if (path.equals("/v2")) {
            requireMethod(method, "GET");
            sendJson(ex, 200, Map.of("name", "anchorwatch-model-server", "version", "1",
                    "extensions", List.of(BINARY_TENSOR_DATA)));
        } else if (path.equals("/v2/health/ready") || path.equals("/v2/health/live")) {
            requireMethod(method, "GET");
            sendJson(ex, 200, Map.of(path.endsWith("ready") ? "ready" : "live", true));
        } else if ((m = V2_MODEL.matcher(path)).matches()) {
            String name = m.group(1);
            String action = m.group(2);
            TextClassifier text = textModels.get(name);
            Served model = text == null ? model(name) : null;
            if ("/infer".equals(action)) {
                requireMethod(method, "POST");
                String headerLength = ex.getRequestHeaders().getFirst(INFERENCE_HEADER_CONTENT_LENGTH);
                if (text != null) {
                    inferTextV2(ex, name, text, readBody(ex));
                } else if (headerLength == null) {
                    inferV2(ex, model, readBody(ex), null);
                } else { // binary tensor data extension: a JSON header, then the tensors' raw bytes
                    byte[] raw = readBytes(ex);
                    int n = binaryHeaderLength(headerLength, raw.length);
                    inferV2(ex, model, parseObject(raw, n), java.nio.ByteBuffer.wrap(raw, n, raw.length - n)
                            .slice().order(java.nio.ByteOrder.LITTLE_ENDIAN));
                }
            } else if ("/ready".equals(action)) {
                requireMethod(method, "GET");
                sendJson(ex, 200, Map.of("name", name, "ready", true));
            } else {
                requireMethod(method, "GET");
                sendJson(ex, 200, text != null ? v2Metadata(name, "BYTES", List.of(-1), "INT64", List.of(-1))
                        : metadata(model));
            }
        } else {
            throw new HttpError(404, "no route for " + method + " " + Labels.shorten(path));
        }
    }

    private Served model(String name) throws HttpError {
        Served model = models.get(name);
        if (model == null) {
            throw new HttpError(404, "model '" + Labels.shorten(name) + "' is not served here; models: " + names());
        }
        return model;
    }

    private static void requireMethod(String actual, String expected) throws HttpError {
        if (!actual.equals(expected)) {
            throw new HttpError(405, "use " + expected + ", not " + Labels.shorten(actual));
        }
    }

    private JsonNode readBody(HttpExchange ex) throws IOException, HttpError {
        byte[] body = readBytes(ex);
        return parseObject(body, body.length);
    }

    private byte[] readBytes(HttpExchange ex) throws IOException, HttpError {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.strip()) > maxBodyBytes) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length is not a number");
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        }
        bytesReceived.add(body.length);
        if (body.length > maxBodyBytes) {
            throw tooLarge();
        }
        return body;
    }

    /** The JSON object in the first {@code length} bytes. */
    private static JsonNode parseObject(byte[] body, int length) throws IOException, HttpError {
        try {
            JsonNode json = Json.MAPPER.readTree(body, 0, length);
            if (json == null || !json.isObject()) {
                throw new HttpError(400, "body must be a JSON object");
            }
            return json;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new HttpError(400, "body is not valid JSON");
        }
    }

    private static int binaryHeaderLength(String header, int bodyLength) throws HttpError {
        try {
            long n = Long.parseLong(header.strip());
            if (n < 0 || n > bodyLength) {
                throw new HttpError(400, INFERENCE_HEADER_CONTENT_LENGTH + " " + n + " is outside the body of "
                        + bodyLength + " bytes");
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new HttpError(400, INFERENCE_HEADER_CONTENT_LENGTH + " is not a number");
        }
    }

    private HttpError tooLarge() {
        return new HttpError(413, "body is larger than " + maxBodyBytes + " bytes");
    }

    private void predictV1(HttpExchange ex, Served model, JsonNode body) throws IOException, HttpError {
        JsonNode instances = instances(body);
        double[][] x = new double[instances.size()][];
        for (int i = 0; i < x.length; i++) {
            JsonNode instance = instances.get(i);
            if (!instance.isArray()) {
                throw new HttpError(400, "instance " + i + " is " + Labels.kind(instance) + ", expected an array of"
                        + " numbers");
            }
            if (!instance.isEmpty() && instance.get(0).isArray()) { // an image H x W (x C): row-major values
                List<JsonNode> flat = new ArrayList<>();
                flatten(instance, flat);
                instance = Json.MAPPER.createArrayNode().addAll(flat);
            }
            x[i] = numbers(instance, "instance " + i);
            checkWidth(model, x, i);
        }
        answer(ex, x.length, 32 + 16 * x.length, json -> {
            json.writeArrayFieldStart("predictions");
            if (model.output == Output.LABELS) {
                for (int label : model.classifier.predictAll(x)) {
                    json.writeNumber(label);
                }
            } else {
                for (double[] p : model.classifier.probabilitiesAll(x)) {
                    json.writeArray(p, 0, p.length);
                }
            }
            json.writeEndArray();
        });
    }

    /** @param binary the bytes after the JSON header when the binary tensor data extension is used, else null */
    private void inferV2(HttpExchange ex, Served model, JsonNode body, java.nio.ByteBuffer binary)
            throws IOException, HttpError {
        JsonNode input = firstInput(body);
        String datatype = input.path("datatype").asText("");
        if (!datatype.matches("FP(16|32|64)|U?INT(8|16|32|64)")) {
            throw new HttpError(400, "input datatype must be numeric (FP32, FP64, INT64, ...), got '"
                    + Labels.shorten(datatype) + "'");
        }
        JsonNode shape = input.get("shape");
        if (shape == null || !shape.isArray() || shape.size() < 2 || !shape.get(0).canConvertToInt()
                || shape.get(0).asInt() < 0) {
            throw new HttpError(400, "input shape must be [n, d] (or [n, h, w, ...] for images), got "
                    + (shape == null ? "none" : shape));
        }
        int n = shape.get(0).asInt();
        long width = 1;
        for (int i = 1; i < shape.size(); i++) { // an image tensor [n, h, w, c] is n rows of h*w*c values
            if (!shape.get(i).canConvertToInt() || shape.get(i).asInt() < 1) {
                throw new HttpError(400, "input shape dimensions must be positive, got " + shape);
            }
            width *= shape.get(i).asInt();
        }
        if (width > Integer.MAX_VALUE) {
            throw new HttpError(400, "input shape " + shape + " is too large");
        }
        int d = (int) width;
        if (model.classifier.features() >= 0 && d != model.classifier.features()) {
            throw new HttpError(400, "input has " + d + " features per row, model '" + model.name + "' expects "
                    + model.classifier.features());
        }
        double[][] x = new double[n][d];
        JsonNode binarySize = input.path("parameters").get("binary_data_size");
        if (binarySize != null) {
            readBinary(binary, binarySize, datatype, x);
        } else {
            List<JsonNode> flat = new ArrayList<>();
            flatten(input.get("data"), flat);
            if ((long) n * d != flat.size()) {
                throw new HttpError(400, "input shape [" + n + ", " + d + "] needs " + (long) n * d
                        + " values, data has " + flat.size());
            }
            for (int i = 0; i < flat.size(); i++) {
                JsonNode v = flat.get(i);
                if (!v.isNumber()) {
                    throw new HttpError(400, "input data value " + i + " is " + Labels.kind(v)
                            + ", expected a number");
                }
                x[i / d][i % d] = v.doubleValue();
            }
        }
        if (model.output == Output.LABELS) {
            int[] labels = model.classifier.predictAll(x);
            answerV2(ex, model.name, body, labels);
            return;
        }
        answerV2(ex, model.name, body, n, 16 * n, "FP64", new int[] {n, model.classifier.classes()}, json -> {
            json.writeStartArray();
            for (double[] row : model.classifier.probabilitiesAll(x)) {
                for (double p : row) {
                    json.writeNumber(p);
                }
            }
            json.writeEndArray();
        });
    }

    private List<String> names() {
        List<String> names = new ArrayList<>(models.keySet());
        names.addAll(textModels.keySet());
        return names.stream().sorted().toList();
    }

    // ---- text models: V1 instances are strings, V2 input is one BYTES tensor [n] (or [n, 1]); answers are labels

    private void predictTextV1(HttpExchange ex, TextClassifier model, JsonNode body) throws IOException, HttpError {
        JsonNode instances = instances(body);
        List<String> texts = new ArrayList<>(instances.size());
        for (int i = 0; i < instances.size(); i++) {
            JsonNode instance = instances.get(i);
            if (!instance.isTextual()) {
                throw new HttpError(400, "instance " + i + " is " + Labels.kind(instance) + ", expected a string");
            }
            texts.add(instance.textValue());
        }
        int[] labels = model.predictAll(texts);
        answer(ex, labels.length, 32 + 4 * labels.length, json -> {
            json.writeFieldName("predictions");
            json.writeArray(labels, 0, labels.length);
        });
    }

    private void inferTextV2(HttpExchange ex, String name, TextClassifier model, JsonNode body)
            throws IOException, HttpError {
        JsonNode input = firstInput(body);
        String datatype = input.path("datatype").asText("");
        if (!datatype.equals("BYTES")) {
            throw new HttpError(400, "model '" + name + "' takes texts: input datatype must be BYTES, got '"
                    + Labels.shorten(datatype) + "'");
        }
        JsonNode shape = input.get("shape");
        boolean shapeOk = shape != null && shape.isArray() && (shape.size() == 1 || shape.size() == 2)
                && shape.get(0).canConvertToInt() && shape.get(0).asInt() >= 0
                && (shape.size() == 1 || (shape.get(1).canConvertToInt() && shape.get(1).asInt() == 1));
        if (!shapeOk) {
            throw new HttpError(400, "input shape must be [n] or [n, 1], got " + (shape == null ? "none" : shape));
        }
        int n = shape.get(0).asInt();
        List<JsonNode> flat = new ArrayList<>();
        flatten(input.get("data"), flat);
        if (flat.size() != n) {
            throw new HttpError(400, "input shape " + shape + " needs " + n + " texts, data has " + flat.size());
        }
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (!flat.get(i).isTextual()) {
                throw new HttpError(400, "input data value " + i + " is " + Labels.kind(flat.get(i))
                        + ", expected a string");
            }
            texts.add(flat.get(i).textValue());
        }
        answerV2(ex, name, body, model.predictAll(texts));
    }

    /**
     * Fills {@code x} from the raw little-endian tensor bytes of the binary tensor data extension: straight into the
     * rows, not through JSON values as {@link BinaryTensors#decode} (which keeps a logged body's JSON) does, since
     * saving that is the point of sending images as binary.
     */
    private static void readBinary(java.nio.ByteBuffer binary, JsonNode sizeNode, String datatype, double[][] x)
            throws HttpError {
        if (binary == null) {
            throw new HttpError(400, "input has parameters.binary_data_size but the request has no "
                    + INFERENCE_HEADER_CONTENT_LENGTH + " header");
        }
        if (datatype.equals("FP16")) {
            throw new HttpError(400, "binary FP16 tensors are not supported; send FP32");
        }
        int width = BinaryTensors.width(datatype, "input-0"); // a numeric datatype: inferV2 refuses the others
        long values = (long) x.length * (x.length == 0 ? 0 : x[0].length);
        if (!sizeNode.canConvertToLong() || sizeNode.asLong() != values * width || binary.remaining() < values * width) {
            throw new HttpError(400, "binary_data_size " + sizeNode + " does not match " + values + " " + datatype
                    + " values (" + values * width + " bytes; " + binary.remaining() + " bytes follow the header)");
        }
        for (double[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = switch (datatype) {
                    case "FP64" -> binary.getDouble();
                    case "FP32" -> binary.getFloat();
                    case "INT64", "UINT64" -> binary.getLong();
                    case "INT32" -> binary.getInt();
                    case "UINT32" -> Integer.toUnsignedLong(binary.getInt());
                    case "INT16" -> binary.getShort();
                    case "UINT16" -> Short.toUnsignedInt(binary.getShort());
                    case "INT8" -> binary.get();
                    default -> Byte.toUnsignedInt(binary.get());
                };
            }
        }
    }

    private static Map<String, Object> metadata(Served model) {
        return model.output == Output.LABELS
                ? v2Metadata(model.name, "FP64", List.of(-1, model.classifier.features()), "INT64", List.of(-1))
                : v2Metadata(model.name, "FP64", List.of(-1, model.classifier.features()), "FP64",
                        List.of(-1, model.classifier.classes()));
    }

    /** Open Inference model metadata: one input tensor {@code input-0}, one output tensor {@code output-0}. */
    private static Map<String, Object> v2Metadata(String name, String inputType, List<Integer> inputShape,
            String outputType, List<Integer> outputShape) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("name", name);
        meta.put("versions", List.of());
        meta.put("platform", "anchorwatch-java");
        meta.put("inputs", List.of(Map.of("name", "input-0", "datatype", inputType, "shape", inputShape)));
        meta.put("outputs", List.of(Map.of("name", "output-0", "datatype", outputType, "shape", outputShape)));
        return meta;
    }

    /** The {@code instances} array of a KServe V1 request. */
    private static JsonNode instances(JsonNode body) throws HttpError {
        JsonNode instances = body.get("instances");
        if (instances == null || !instances.isArray()) {
            throw new HttpError(400, "body needs an \"instances\" array");
        }
        return instances;
    }

    /** The first tensor of an Open Inference V2 request's {@code inputs}. */
    private static JsonNode firstInput(JsonNode body) throws HttpError {
        JsonNode inputs = body.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty() || !inputs.get(0).isObject()) {
            throw new HttpError(400, "body needs an \"inputs\" array with one tensor");
        }
        return inputs.get(0);
    }

    /** Writes the fields of one JSON object (or one JSON value) of an answer. */
    @FunctionalInterface
    private interface JsonWriter {
        void write(JsonGenerator json) throws IOException;
    }

    /** Answers 200 with the JSON object {@code fields} write, counting one request of {@code rows} rows. */
    private void answer(HttpExchange ex, int rows, int sizeHint, JsonWriter fields) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint);
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            json.writeStartObject();
            fields.write(json);
            json.writeEndObject();
        }
        count(rows);
        send(ex, 200, out.toByteArray());
    }

    /** An Open Inference V2 answer of INT64 labels, shape {@code [n]}. */
    private void answerV2(HttpExchange ex, String name, JsonNode request, int[] labels) throws IOException {
        answerV2(ex, name, request, labels.length, 4 * labels.length, "INT64", new int[] {labels.length},
                json -> json.writeArray(labels, 0, labels.length));
    }

    /**
     * An Open Inference V2 answer: {@code model_name}, the request's {@code id} when it has one, and one output
     * tensor {@code output-0} of this datatype and shape, whose {@code data} value {@code data} writes.
     */
    private void answerV2(HttpExchange ex, String name, JsonNode request, int rows, int sizeHint, String datatype,
            int[] shape, JsonWriter data) throws IOException {
        answer(ex, rows, 128 + sizeHint, json -> {
            json.writeStringField("model_name", name);
            if (request.path("id").isTextual()) {
                json.writeStringField("id", request.get("id").textValue());
            }
            json.writeArrayFieldStart("outputs");
            json.writeStartObject();
            json.writeStringField("name", "output-0");
            json.writeStringField("datatype", datatype);
            json.writeFieldName("shape");
            json.writeArray(shape, 0, shape.length);
            json.writeFieldName("data");
            data.write(json);
            json.writeEndObject();
            json.writeEndArray();
        });
    }

    private static void checkWidth(Served model, double[][] x, int i) throws HttpError {
        int expected = model.classifier.features() >= 0 ? model.classifier.features() : x[0].length;
        if (x[i].length != expected) {
            throw new HttpError(400, "instance " + i + " has " + x[i].length + " values, model '" + model.name
                    + "' expects " + expected);
        }
    }

    private static double[] numbers(JsonNode array, String what) throws HttpError {
        double[] out = new double[array.size()];
        for (int j = 0; j < out.length; j++) {
            JsonNode v = array.get(j);
            if (!v.isNumber()) {
                throw new HttpError(400, what + " value " + j + " is " + Labels.kind(v) + ", expected a number");
            }
            out[j] = v.doubleValue();
        }
        return out;
    }

    private static void flatten(JsonNode node, List<JsonNode> into) throws HttpError {
        if (node == null || !node.isArray()) {
            throw new HttpError(400, "input needs a \"data\" array");
        }
        for (JsonNode child : node) {
            if (child.isArray()) {
                flatten(child, into);
            } else {
                into.add(child);
            }
        }
    }

    private void count(int n) {
        requests.increment();
        rows.add(n);
    }

    private static void sendError(HttpExchange ex, int status, String message) throws IOException {
        sendJson(ex, status, Map.of("error", message == null ? "error" : message));
    }

    private static void sendJson(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, Json.MAPPER.writeValueAsBytes(value));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    /** Settings of a server; {@link #start()} binds it. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private int threads = 4;
        private int queue = 64;
        private long maxBodyBytes = 16L << 20;
        private final Map<String, Served> models = new LinkedHashMap<>();
        private final Map<String, TextClassifier> textModels = new LinkedHashMap<>();

        private Builder() {
        }

        /** Address to bind (default 127.0.0.1: loopback only). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to bind, 0 for an ephemeral one (default 0). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Request-handling threads (default 4). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Requests waiting for a thread before the accepting thread handles them itself (default 64). */
        public Builder queue(int queue) {
            if (queue < 1) {
                throw new IllegalArgumentException("queue must be >= 1, got " + queue);
            }
            this.queue = queue;
            return this;
        }

        /** Largest request body accepted; larger ones get 413 (default 16 MiB). */
        public Builder maxBodyBytes(long maxBodyBytes) {
            if (maxBodyBytes < 1) {
                throw new IllegalArgumentException("max body bytes must be >= 1, got " + maxBodyBytes);
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** Serves {@code classifier} as {@code name}, answering labels. */
        public Builder model(String name, Classifier classifier) {
            return model(name, classifier, Output.LABELS);
        }

        public Builder model(String name, Classifier classifier, Output output) {
            checkNewName(name);
            models.put(name, new Served(name, Objects.requireNonNull(classifier, "classifier"),
                    Objects.requireNonNull(output, "output")));
            return this;
        }

        /** Serves a text classifier as {@code name}: V1 instances are strings, V2 input is BYTES; answers labels. */
        public Builder textModel(String name, TextClassifier classifier) {
            checkNewName(name);
            textModels.put(name, Objects.requireNonNull(classifier, "classifier"));
            return this;
        }

        private void checkNewName(String name) {
            if (name == null || !PredictorConfig.MODEL_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("model name must be letters, digits, '.', '_' or '-', got " + name);
            }
            if (models.containsKey(name) || textModels.containsKey(name)) {
                throw new IllegalArgumentException("model '" + name + "' is already registered");
            }
        }

        /** Binds and starts serving. */
        public ModelServer start() throws IOException {
            if (models.isEmpty() && textModels.isEmpty()) {
                throw new IllegalStateException("register at least one model");
            }
            return new ModelServer(this);
        }
    }
}
