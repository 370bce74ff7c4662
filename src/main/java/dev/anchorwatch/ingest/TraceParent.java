package dev.anchorwatch.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The W3C trace context a Kafka record carries, so that the spans of its explanation continue the producer's trace.
 * Where it is looked for, first found wins:
 * <ol>
 * <li>the record header {@code traceparent} (W3C trace context on the transport, as OpenTelemetry's Kafka
 * instrumentation writes it);</li>
 * <li>the header {@code ce_traceparent}: the CloudEvents distributed-tracing extension in binary mode, as a
 * Knative KafkaSink or Kafka broker writes it;</li>
 * <li>in structured mode ({@code content-type: application/cloudevents+json}), the top-level {@code traceparent}
 * attribute of the JSON event (read with a streaming parser that skips {@code data} without building it).</li>
 * </ol>
 * A value that is not a valid {@code traceparent} is passed over (the next place is tried), never an error: the
 * record is handled the same, in a new trace. {@code tracestate} comes from the same place as the
 * {@code traceparent} it goes with.
 *
 * @param traceparent the W3C {@code traceparent} value (valid, lower case)
 * @param tracestate  the matching {@code tracestate}, or null
 */
public record TraceParent(String traceparent, String tracestate) {

    /** version - trace id - parent span id - flags; a future version may append fields after a dash. */
    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?");
    private static final JsonFactory JSON = new JsonFactory();
    /** A header value longer than this is not a traceparent (W3C: 55 characters for version 00). */
    private static final int MAX_LENGTH = 512;

    /**
     * The trace context a record's headers carry (places 1 and 2), or null: cheap, so it may be read before the
     * record is admitted; the structured event's attribute needs {@link #ofAttribute} and its bytes.
     */
    public static TraceParent ofHeaders(Headers headers) {
        if (headers == null) {
            return null;
        }
        TraceParent found = fromHeaders(headers, "traceparent", "tracestate");
        return found != null ? found : fromHeaders(headers, "ce_traceparent", "ce_tracestate");
    }

    /** The trace context of a record, or null when it carries none (or none that is valid). */
    public static TraceParent of(Headers headers, byte[] value) {
        TraceParent found = ofHeaders(headers);
        return found != null ? found : ofAttribute(headers, value);
    }

    /**
     * A structured-mode record's own {@code traceparent} attribute (place 3), or null when the record is not
     * structured or carries none: reads the record's bytes, so only once they are admitted.
     */
    public static TraceParent ofAttribute(Headers headers, byte[] value) {
        Header ct = headers == null ? null : headers.lastHeader("content-type");
        if (ct != null && ct.value() != null && new String(ct.value(), StandardCharsets.UTF_8).trim()
                .toLowerCase(Locale.ROOT).startsWith("application/cloudevents")) {
            return fromStructured(value);
        }
        return null;
    }

    /** True for a well-formed W3C {@code traceparent}: known shape, version not ff, ids not all zero. */
    public static boolean valid(String traceparent) {
        if (traceparent == null || traceparent.length() > MAX_LENGTH || !FORMAT.matcher(traceparent).matches()) {
            return false;
        }
        String version = traceparent.substring(0, 2);
        if (version.equals("ff") || (version.equals("00") && traceparent.length() != 55)) {
            return false;
        }
        return !traceparent.substring(3, 35).equals("0".repeat(32)) && !traceparent.substring(36, 52).equals("0".repeat(16));
    }

    /** The trace id (32 hex digits). */
    public String traceId() {
        return traceparent.substring(3, 35);
    }

    /** The producer's span id (16 hex digits): the parent of this record's spans. */
    public String parentSpanId() {
        return traceparent.substring(36, 52);
    }

    private static TraceParent fromHeaders(Headers headers, String parentName, String stateName) {
        String parent = text(headers.lastHeader(parentName));
        if (!valid(parent)) {
            return null;
        }
        return new TraceParent(parent, text(headers.lastHeader(stateName)));
    }

    private static String text(Header h) {
        if (h == null || h.value() == null || h.value().length > MAX_LENGTH) {
            return null;
        }
        return new String(h.value(), StandardCharsets.UTF_8).trim();
    }

    /** The top-level traceparent / tracestate of a structured-mode event; null if absent, invalid or not JSON. */
    static TraceParent fromStructured(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        String parent = null;
        String state = null;
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_STRING && "traceparent".equals(name)) {
                    parent = p.getText().trim();
                } else if (t == JsonToken.VALUE_STRING && "tracestate".equals(name)) {
                    state = p.getText();
                } else {
                    p.skipChildren();
                }
                if (parent != null && state != null) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not JSON past this point (the decoder dead-letters it with its own message): keep what was read
        }
        return valid(parent) ? new TraceParent(parent, state != null && state.length() <= MAX_LENGTH ? state : null) : null;
    }
}
