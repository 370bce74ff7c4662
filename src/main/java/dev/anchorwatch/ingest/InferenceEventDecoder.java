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

    private final Limits limits;

    public InferenceEventDecoder(Limits limits) {
        this.limits = limits;
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
        if (isStructured(lower.get("content-type"))) {
            budget.charge((long) PARSE_COST_FACTOR * body.length); // the SDK parses the envelope into a tree
        }
        CloudEvent event;
        try {
            event = HttpMessageFactory.createReaderFromMultimap(lower, body).toEvent();
        } catch (RuntimeException e) {
            throw new PermanentEventException("not a CloudEvent: " + plain(e), e);
        }
        return decode(event, budget);
    }

    /** A Kafka record in binary ({@code ce_*} headers) or structured mode. */
    public InferenceEvent decodeKafka(Headers headers, byte[] value) {
        CloudEvent event;
        try {
            event = KafkaMessageFactory.createReader(headers, value).toEvent();
        } catch (RuntimeException e) {
            throw new PermanentEventException("not a CloudEvent: " + plain(e), e);
        }
        return decode(event);
    }

    public InferenceEvent decode(CloudEvent event) {
        return decode(event, Budget.UNLIMITED);
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

    private InferenceEvent decode(CloudEvent event, Budget budget) {
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
        if (data == null) {
            throw new PermanentEventException("event " + event.getId() + " has no body");
        }
        byte[] raw;
        try {
            raw = data.toBytes();
        } catch (RuntimeException e) {
            throw new PermanentEventException("event " + event.getId() + " has unreadable data: " + plain(e), e);
        }
        if (raw.length > limits.maxBodyBytes()) {
            throw new PermanentEventException.TooLarge("body too large: " + raw.length + " bytes, at most "
                    + limits.maxBodyBytes());
        }
        byte[] body = isGzip(raw) ? gunzip(raw, limits.maxInflatedBytes(), budget) : raw;
        budget.charge((long) PARSE_COST_FACTOR * body.length);
        JsonNode json = parse(body);
        InferenceEvent.Protocol protocol = kind == InferenceEvent.Kind.REQUEST ? requestProtocol(json) : responseProtocol(json);
        return new InferenceEvent(event.getSource().toString(), event.getId(), type, kind, protocol,
                text(event, "inferenceservicename"), text(event, "namespace"), text(event, "component"),
                text(event, "endpoint"), text(event, "metadata"),
                event.getTime() == null ? null : event.getTime().toInstant(), event.getDataContentType(), body);
    }

    static boolean isGzip(byte[] b) {
        return b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
    }

    static byte[] gunzip(byte[] gz, int max) {
        return gunzip(gz, max, Budget.UNLIMITED);
    }

    /**
     * Inflates in chunks of 64 KiB, charging each chunk to the budget before it is kept and stopping as soon as
     * the output would pass {@code max}: never inflates past the cap. The chunks are joined once at the end
     * (charged too).
     */
    static byte[] gunzip(byte[] gz, int max, Budget budget) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 8192)) {
            List<byte[]> chunks = new ArrayList<>();
            int total = 0;
            while (true) {
                byte[] chunk = new byte[64 * 1024];
                int filled = 0;
                int n;
                while (filled < chunk.length && (n = in.read(chunk, filled, chunk.length - filled)) > 0) {
                    filled += n;
                    if (total + filled > max) {
                        throw new PermanentEventException.TooLarge("body too large once gunzipped: more than " + max
                                + " bytes");
                    }
                }
                if (filled == 0) {
                    break;
                }
                budget.charge(filled);
                chunks.add(filled == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, filled));
                total += filled;
                if (filled < chunk.length) {
                    break;
                }
            }
            budget.charge(total);
            byte[] out = new byte[total];
            int at = 0;
            for (byte[] c : chunks) {
                System.arraycopy(c, 0, out, at, c.length);
                at += c.length;
            }
            return out;
        } catch (IOException e) {
            throw new PermanentEventException("body starts like gzip but does not inflate: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json == null || !json.isObject()) {
                throw new PermanentEventException("body is not a JSON object");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new PermanentEventException("body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new PermanentEventException("body is not JSON: " + e.getMessage(), e);
        }
    }

    private InferenceEvent.Protocol requestProtocol(JsonNode json) {
        JsonNode instances = json.get("instances");
        if (instances != null) {
            if (!instances.isArray()) {
                throw new PermanentEventException("'instances' must be an array");
            }
            checkInstances(instances.size());
            return InferenceEvent.Protocol.V1;
        }
        JsonNode inputs = json.get("inputs");
        if (inputs != null) {
            if (!inputs.isArray() || inputs.isEmpty() || !inputs.get(0).isObject()) {
                throw new PermanentEventException("'inputs' must be a non-empty array of Open Inference V2 tensors");
            }
            JsonNode shape = inputs.get(0).path("shape");
            if (shape.isArray() && !shape.isEmpty()) {
                checkInstances(shape.get(0).asLong());
            }
            return InferenceEvent.Protocol.V2;
        }
        throw new PermanentEventException(
                "request has neither 'instances' (KServe V1) nor 'inputs' (Open Inference V2)");
    }

    private static InferenceEvent.Protocol responseProtocol(JsonNode json) {
        if (json.has("predictions")) {
            return InferenceEvent.Protocol.V1;
        }
        if (json.path("outputs").isArray()) {
            return InferenceEvent.Protocol.V2;
        }
        throw new PermanentEventException(
                "response has neither 'predictions' (KServe V1) nor 'outputs' (Open Inference V2)");
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
