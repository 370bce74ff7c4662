package dev.anchorwatch.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.apache.kafka.common.header.Headers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.kafka.KafkaMessageFactory;

/**
 * Decodes KServe inference logger events (contract 1) into {@link InferenceEvent}s, or rejects them with a
 * {@link PermanentEventException} that says why.
 *
 * <p>The body is read as bytes whatever {@code datacontenttype} claims: KServe copies the client's
 * Content-Type, often {@code application/x-www-form-urlencoded}. A body starting with the gzip magic bytes
 * 1F 8B is inflated, up to a bound, even without Content-Encoding. Then it must be a JSON object: for requests
 * KServe V1 {@code {"instances": [...]}} or Open Inference V2 {@code {"inputs": [...]}}, for responses V1
 * {@code {"predictions": [...]}} or V2 {@code {"outputs": [...]}}.
 */
public final class InferenceEventDecoder {

    /**
     * @param maxBodyBytes     largest body accepted as received
     * @param maxInflatedBytes largest body once gunzipped
     * @param maxInstances     most instances (rows) in one request
     */
    public record Limits(int maxBodyBytes, int maxInflatedBytes, int maxInstances) {
        public static final Limits DEFAULT = new Limits(10 << 20, 20 << 20, 1_000);

        public Limits {
            if (maxBodyBytes < 1 || maxInflatedBytes < 1 || maxInstances < 1) {
                throw new IllegalArgumentException("limits must be positive");
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(InferenceEventDecoder.class);

    /** Told of every event acknowledged without work ({@link IgnoredEventException}), to count it. */
    @FunctionalInterface
    public interface IgnoredListener {
        /** @param source {@code http} or {@code kafka} */
        void ignored(String source, InferenceEvent.Kind kind);

        IgnoredListener NONE = (source, kind) -> {
        };
    }

    private final Limits limits;
    private final IgnoredListener ignored;

    public InferenceEventDecoder(Limits limits) {
        this(limits, IgnoredListener.NONE);
    }

    public InferenceEventDecoder(Limits limits, IgnoredListener ignored) {
        this.limits = limits;
        this.ignored = ignored;
    }

    /**
     * What a parsed JSON tree costs in heap, at most, per byte of JSON text (numbers and short keys become objects
     * of 16 to 48 bytes plus their slots in arrays and maps): the bytes reserved before any body is parsed.
     */
    public static final int PARSE_COST_FACTOR = 8;

    /** Reserves memory before it is used; throws (e.g. {@link Admission.Refused}) when it cannot. */
    @FunctionalInterface
    public interface Budget {
        Budget UNLIMITED = bytes -> {
        };

        void charge(long bytes);
    }

    /** An HTTP request in binary ({@code ce-*} headers) or structured mode; header names in any case. */
    public InferenceEvent decodeHttp(Map<String, List<String>> headers, byte[] body) {
        return decodeHttp(headers, body, Budget.UNLIMITED);
    }

    /** As {@link #decodeHttp(Map, byte[])}, charging {@code budget} before inflating and parsing. */
    public InferenceEvent decodeHttp(Map<String, List<String>> headers, byte[] body, Budget budget) {
        Map<String, List<String>> lower = new HashMap<>();
        headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .addAll(values));
        if (body.length > limits.maxBodyBytes()) {
            throw new PermanentEventException.TooLarge("body too large: " + body.length + " bytes, at most "
                    + limits.maxBodyBytes());
        }
        // KServe's logger sends binary mode (ce-* headers) with the client's Content-Type as the event's: a client
        // that posted application/cloudevents+json would make the SDK read the body as a structured event
        String clientType = first(lower, "content-type");
        boolean binaryWithCeType = lower.containsKey("ce-specversion") && isCloudEventsType(clientType);
        if (binaryWithCeType) {
            lower.put("content-type", List.of("application/json"));
        } else if (isStructured(lower.get("content-type"))) {
            budget.charge((long) PARSE_COST_FACTOR * body.length); // the SDK parses the envelope into a tree
        }
        CloudEvent event;
        try {
            event = HttpMessageFactory.createReaderFromMultimap(lower, body).toEvent();
        } catch (RuntimeException e) {
            throw new PermanentEventException("not a CloudEvent: " + plain(e), e);
        }
        return notifyIgnored("http", () -> decode(event, binaryWithCeType ? clientType : event.getDataContentType(), budget));
    }

    private static String first(Map<String, List<String>> lower, String name) {
        List<String> v = lower.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    static boolean isCloudEventsType(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).strip().startsWith("application/cloudevents");
    }

    private InferenceEvent notifyIgnored(String source, java.util.function.Supplier<InferenceEvent> decode) {
        try {
            return decode.get();
        } catch (IgnoredEventException e) {
            ignored.ignored(source, e.kind());
            throw e;
        }
    }

    /** A Kafka record in binary ({@code ce_*} headers) or structured mode. */
    public InferenceEvent decodeKafka(Headers headers, byte[] value) {
        org.apache.kafka.common.header.Header ct = headers.lastHeader("content-type");
        String clientType = ct == null || ct.value() == null ? null
                : new String(ct.value(), java.nio.charset.StandardCharsets.UTF_8);
        boolean binaryWithCeType = headers.lastHeader("ce_specversion") != null && isCloudEventsType(clientType);
        Headers read = headers;
        if (binaryWithCeType) { // as for HTTP: binary mode carrying a client's cloudevents content type
            read = new org.apache.kafka.common.header.internals.RecordHeaders(headers.toArray());
            read.remove("content-type");
            read.add("content-type", "application/json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        CloudEvent event;
        try {
            event = KafkaMessageFactory.createReader(read, value).toEvent();
        } catch (RuntimeException e) {
            throw new PermanentEventException("not a CloudEvent: " + plain(e), e);
        }
        return notifyIgnored("kafka", () -> decode(event, binaryWithCeType ? clientType : event.getDataContentType(),
                Budget.UNLIMITED));
    }

    public InferenceEvent decode(CloudEvent event) {
        return decode(event, event.getDataContentType(), Budget.UNLIMITED);
    }

    private static boolean isStructured(List<String> contentType) {
        return contentType != null && contentType.stream()
                .anyMatch(v -> v.toLowerCase(Locale.ROOT).trim().startsWith("application/cloudevents"));
    }

    /**
     * A message for a client: the exception's own words without Java class names (the CloudEvents SDK and Jackson
     * put them in theirs), one line, at most 300 characters.
     */
    static String plain(Throwable e) {
        Throwable t = e;
        String text = null;
        while (t != null && text == null) {
            text = t instanceof JsonProcessingException j ? j.getOriginalMessage() : t.getMessage();
            t = t.getCause() == t ? null : t.getCause();
        }
        if (text == null || text.isBlank()) {
            return "malformed input";
        }
        text = text.replaceAll("\\b(?:[a-z_$][a-z0-9_$]*\\.)+([A-Z][A-Za-z0-9_$]*)", "$1")
                .replaceAll("\\s+", " ").trim();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private InferenceEvent decode(CloudEvent event, String contentType, Budget budget) {
        String type = event.getType();
        InferenceEvent.Kind kind;
        if (InferenceEvent.REQUEST_TYPE.equals(type)) {
            kind = InferenceEvent.Kind.REQUEST;
        } else if (InferenceEvent.RESPONSE_TYPE.equals(type)) {
            kind = InferenceEvent.Kind.RESPONSE;
        } else {
            throw new PermanentEventException("unsupported event type '" + type + "': expected "
                    + InferenceEvent.REQUEST_TYPE + " or " + InferenceEvent.RESPONSE_TYPE);
        }
        if (event.getId() == null || event.getId().isBlank()) {
            throw new PermanentEventException("event has no id");
        }
        if (event.getSource() == null) {
            throw new PermanentEventException("event " + event.getId() + " has no source");
        }
        CloudEventData data = event.getData();
        byte[] raw;
        try {
            raw = data == null ? new byte[0] : data.toBytes();
        } catch (RuntimeException e) {
            throw new PermanentEventException("event " + event.getId() + " has unreadable data: " + plain(e), e);
        }
        if (raw.length > limits.maxBodyBytes()) {
            throw new PermanentEventException.TooLarge("body too large: " + raw.length + " bytes, at most "
                    + limits.maxBodyBytes());
        }
        byte[] body = isGzip(raw) ? gunzip(raw, limits.maxInflatedBytes(), budget) : raw;
        if (dev.anchorwatch.model.BinaryTensors.onlyWhitespaceAfter(body, 0)) {
            LOG.debugf("event %s (%s): empty body, acknowledged without work", event.getId(), kind);
            throw new IgnoredEventException(kind, "empty body: a GET, health or metadata call logged by KServe; "
                    + "nothing to explain");
        }
        budget.charge((long) PARSE_COST_FACTOR * body.length);
        String metadata = text(event, "metadata");
        boolean[] rewritten = {false};
        JsonNode json = parse(body, kind, metadata, rewritten);
        if (isStructuredCloudEvent(json)) {
            // a client's structured CloudEvent (application/cloudevents+json) as the logged body: its data is the
            // inference request or response
            json = parse(cloudEventData(json), kind, null, rewritten);
            rewritten[0] = true;
        }
        byte[] payload = body;
        if (rewritten[0]) { // decoded binary tensors or an unwrapped CloudEvent: the JSON the explainers read
            try {
                payload = JSON.writeValueAsBytes(json);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a parsed body writes back", e);
            }
        }
        InferenceEvent.Protocol protocol = kind == InferenceEvent.Kind.REQUEST ? requestProtocol(json) : responseProtocol(json);
        return new InferenceEvent(event.getSource().toString(), event.getId(), type, kind, protocol,
                text(event, "inferenceservicename"), text(event, "namespace"), text(event, "component"),
                text(event, "endpoint"), metadata,
                event.getTime() == null ? null : event.getTime().toInstant(), contentType, payload);
    }

    static boolean isStructuredCloudEvent(JsonNode json) {
        return json.isObject() && json.path("specversion").isTextual() && json.has("type")
                && (json.has("data") || json.has("data_base64"));
    }

    /** The data of a structured CloudEvent, as bytes: JSON data as written, a JSON string's text, or data_base64. */
    private byte[] cloudEventData(JsonNode ce) {
        JsonNode b64 = ce.get("data_base64");
        if (b64 != null && !b64.isNull()) {
            try {
                byte[] bytes = java.util.Base64.getDecoder().decode(b64.asText());
                return isGzip(bytes) ? gunzip(bytes, limits.maxInflatedBytes()) : bytes;
            } catch (IllegalArgumentException e) {
                throw new PermanentEventException("the body is a CloudEvent whose data_base64 is not base64");
            }
        }
        JsonNode data = ce.get("data");
        if (data.isTextual()) {
            return data.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return data.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static boolean isGzip(byte[] b) {
        return b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
    }

    static byte[] gunzip(byte[] gz, int max) {
        return gunzip(gz, max, Budget.UNLIMITED);
    }

    /**
     * Inflates with {@link BodyReader#readAtMost}: each chunk charged to the budget before it is kept, stopping
     * as soon as the output would pass {@code max}, so it never inflates past the cap.
     */
    static byte[] gunzip(byte[] gz, int max, Budget budget) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 8192)) {
            return BodyReader.readAtMost(in, max, budget, () -> new PermanentEventException.TooLarge(
                    "body too large once gunzipped: more than " + max + " bytes"));
        } catch (IOException e) {
            throw new PermanentEventException("body starts like gzip but does not inflate: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    /**
     * The JSON of a body: one JSON object, or an Open Inference V2 binary-tensor body (a JSON header, then the raw
     * tensor bytes), whose tensors are decoded into {@code data}. The header's length comes from the
     * {@code Inference-Header-Content-Length} request header when the logger's metadata carries it, else from
     * parsing one JSON value from the start.
     */
    private JsonNode parse(byte[] body, InferenceEvent.Kind kind, String metadata, boolean[] rewritten) {
        int end;
        Integer declared = headerLength(metadata);
        try {
            end = declared != null && declared > 0 && declared <= body.length ? declared
                    : dev.anchorwatch.model.BinaryTensors.jsonEnd(body);
        } catch (IllegalArgumentException e) {
            throw new PermanentEventException(e.getMessage(), e);
        }
        JsonNode json;
        try {
            json = JSON.readTree(body, 0, end);
        } catch (JsonProcessingException e) {
            throw new PermanentEventException("body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new PermanentEventException("body is not JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new PermanentEventException("body is not a JSON object");
        }
        String field = kind == InferenceEvent.Kind.REQUEST ? "inputs" : "outputs";
        if (dev.anchorwatch.model.BinaryTensors.declaresBinary(json, field)) {
            try {
                dev.anchorwatch.model.BinaryTensors.decode((com.fasterxml.jackson.databind.node.ObjectNode) json, body, end,
                        field, limits.maxInflatedBytes());
                rewritten[0] = true;
            } catch (IllegalArgumentException e) {
                throw new PermanentEventException("Open Inference V2 binary tensor body: " + e.getMessage(), e);
            }
        } else if (!dev.anchorwatch.model.BinaryTensors.onlyWhitespaceAfter(body, end)) {
            throw new PermanentEventException((body.length - end) + " bytes follow the JSON body, and no tensor declares "
                    + "them (parameters.binary_data_size of the Open Inference binary tensor extension)");
        }
        return json;
    }

    /** {@code Inference-Header-Content-Length} from the logger's metadata extension (configured metadataHeaders). */
    private static Integer headerLength(String metadata) {
        if (metadata == null || metadata.isBlank()) {
            return null;
        }
        try {
            JsonNode m = JSON.readTree(metadata);
            for (java.util.Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equalsIgnoreCase("Inference-Header-Content-Length")) {
                    JsonNode v = e.getValue().isArray() ? e.getValue().path(0) : e.getValue();
                    return Integer.valueOf(v.asText().strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // metadata is informative only: without the header the JSON's own end is found
        }
        return null;
    }

    private InferenceEvent.Protocol requestProtocol(JsonNode json) {
        if (!json.has("instances") && !json.has("inputs")) {
            throw new PermanentEventException(
                    "request has neither 'instances' (KServe V1) nor 'inputs' (KServe V1 or Open Inference V2)");
        }
        dev.anchorwatch.explain.InferenceRequests.Form form;
        try {
            form = dev.anchorwatch.explain.InferenceRequests.form(json);
            checkInstances(dev.anchorwatch.explain.InferenceRequests.count(json));
        } catch (dev.anchorwatch.explain.ExplainException e) {
            throw new PermanentEventException("request: " + e.getMessage(), e);
        }
        return form.isV1() ? InferenceEvent.Protocol.V1 : InferenceEvent.Protocol.V2;
    }

    private static InferenceEvent.Protocol responseProtocol(JsonNode json) {
        if (json.has("predictions")) {
            return InferenceEvent.Protocol.V1;
        }
        JsonNode outputs = json.path("outputs");
        if (outputs.isArray() && !outputs.isEmpty()) {
            boolean data = true;
            for (JsonNode o : outputs) {
                data &= o.has("data");
            }
            if (data) {
                return InferenceEvent.Protocol.V2;
            }
        }
        // the answer to a GET or metadata call ({"name": ..., "ready": true}, V2 model metadata, {"status": "alive"})
        throw new IgnoredEventException(InferenceEvent.Kind.RESPONSE, "a response without predictions ("
                + String.join(", ", fieldNames(json)) + "): the answer to a metadata or health call; nothing to pair");
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(n -> names.add(n.length() > 40 ? n.substring(0, 40) + "..." : n));
        return names.size() > 8 ? names.subList(0, 8) : names;
    }

    private void checkInstances(long n) {
        if (n > limits.maxInstances()) {
            throw new PermanentEventException("too many instances: " + n + ", at most " + limits.maxInstances());
        }
    }

    private static String text(CloudEvent event, String extension) {
        Object v = event.getExtension(extension);
        return v == null ? null : v.toString();
    }
}
