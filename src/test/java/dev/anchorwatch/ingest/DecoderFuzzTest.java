package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz (property-based) tests of the event decoder and the V1/V2 body readers (issue 7): for every input the
 * answer is a decoded event / a value, or a {@link PermanentEventException} with a plain message (a 400 or 413
 * over HTTP, a dead letter from Kafka); never another exception, never a Java class name in the message. Inputs
 * are mutations of what KServe's logger really sends, plus raw bytes. Tries are bounded so the class runs in
 * seconds.
 */
class DecoderFuzzTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final InferenceEventDecoder DECODER = new InferenceEventDecoder(new InferenceEventDecoder.Limits(1 << 16, 1 << 17, 32));
    /** A qualified Java class name (event types such as org.kubeflow.serving.inference.request are not). */
    static final String CLASS_NAME = "(?s).*\\b(java|javax|jakarta|io|com|org)(\\.[a-z_][a-z0-9_]*)+\\.[A-Z][A-Za-z0-9_$]*.*";

    static void acceptableFailure(RuntimeException e) {
        // refused for good (a 4xx), or a body with nothing to explain (a logged GET or metadata call: acknowledged)
        assertTrue(e instanceof PermanentEventException || e instanceof IgnoredEventException,
                () -> "not a permanent event error: " + e);
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isBlank());
        assertFalse(e.getMessage().matches(CLASS_NAME), () -> "a class name in: " + e.getMessage());
    }

    static final List<String> BODIES = List.of(KServeEvents.V1_REQUEST, KServeEvents.V1_RESPONSE, KServeEvents.V2_REQUEST,
            KServeEvents.V2_RESPONSE, "{\"instances\": []}", "{\"inputs\": [{\"name\": \"x\", \"shape\": [99999999999], \"data\": []}]}");

    /** A valid body with a few characters replaced, inserted or deleted. */
    @Provide
    Arbitrary<byte[]> mutatedBodies() {
        return Combinators.combine(Arbitraries.of(BODIES), Arbitraries.integers().between(0, 400).list().ofMaxSize(6),
                Arbitraries.chars().with("{}[]\",:0123456789eE.-+ntfa\\\u00e9\u0000").list().ofMaxSize(6))
                .as((body, positions, chars) -> {
                    StringBuilder b = new StringBuilder(body);
                    for (int i = 0; i < positions.size(); i++) {
                        int at = positions.get(i) % (b.length() + 1);
                        char c = i < chars.size() ? chars.get(i) : ' ';
                        switch (positions.get(i) % 3) {
                            case 0 -> b.insert(at, c);
                            case 1 -> { if (at < b.length()) b.setCharAt(at, c); }
                            default -> { if (at < b.length()) b.deleteCharAt(at); }
                        }
                    }
                    return b.toString().getBytes(StandardCharsets.UTF_8);
                });
    }

    @Provide
    Arbitrary<Map<String, String>> headers() {
        Arbitrary<String> type = Arbitraries.of(InferenceEvent.REQUEST_TYPE, InferenceEvent.RESPONSE_TYPE, "", "x");
        Arbitrary<String> version = Arbitraries.of("1.0", "0.3", "", "2", "1.0 ");
        Arbitrary<String> id = Arbitraries.strings().ofMaxLength(8);
        Arbitrary<String> contentType = Arbitraries.of("application/json", "application/x-www-form-urlencoded",
                "application/cloudevents+json", "application/cloudevents-batch+json", "text/plain", "");
        return Combinators.combine(type, version, id, contentType, Arbitraries.of(true, false)).as((t, v, i, ct, source) -> {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("ce-type", t);
            h.put("ce-specversion", v);
            h.put("ce-id", i);
            if (source) {
                h.put("ce-source", "http://logger/");
            }
            h.put("content-type", ct);
            h.put("ce-inferenceservicename", "adult");
            return h;
        });
    }

    static Map<String, List<String>> multi(Map<String, String> h) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        h.forEach((k, v) -> m.put(k, List.of(v)));
        return m;
    }

    static void decode(Map<String, String> headers, byte[] body) {
        try {
            InferenceEvent e = DECODER.decodeHttp(multi(headers), body);
            assertNotNull(e.id());
            assertTrue(e.bodySize() <= (1 << 17));
        } catch (RuntimeException e) {
            acceptableFailure(e);
        }
    }

    @Property(tries = 300)
    void binaryModeEventsDecodeOrAreRefusedPlainly(@ForAll("headers") Map<String, String> headers,
                                                   @ForAll("mutatedBodies") byte[] body, @ForAll boolean gzip) {
        decode(headers, gzip ? KServeEvents.gzip(new String(body, StandardCharsets.UTF_8)) : body);
    }

    @Property(tries = 200)
    void rawBytesAreRefusedPlainly(@ForAll("headers") Map<String, String> headers, @ForAll byte[] body) {
        decode(headers, body);
        byte[] gz = new byte[body.length + 2];
        gz[0] = 0x1f;
        gz[1] = (byte) 0x8b;
        System.arraycopy(body, 0, gz, 2, body.length);
        decode(headers, gz);
    }

    @Provide
    Arbitrary<String> envelopes() {
        Arbitrary<String> field = Arbitraries.of("\"specversion\": \"1.0\"", "\"specversion\": \"0.9\"", "\"id\": \"e1\"",
                "\"id\": 7", "\"source\": \"http://s/\"", "\"type\": \"" + InferenceEvent.REQUEST_TYPE + "\"",
                "\"type\": \"" + InferenceEvent.RESPONSE_TYPE + "\"", "\"inferenceservicename\": \"adult\"",
                "\"data\": " + KServeEvents.V1_REQUEST, "\"data\": \"text\"", "\"data\": [1, 2]", "\"data\": null",
                "\"data_base64\": \"eyJpbnN0YW5jZXMiOiBbWzFdXX0=\"", "\"data_base64\": \"%%%\"", "\"data_base64\": 5",
                "\"datacontenttype\": \"application/json\"", "\"time\": \"yesterday\"", "\"time\": \"2026-11-25T10:15:30Z\"");
        return field.list().ofMaxSize(9).map(fields -> "{" + String.join(", ", fields) + "}");
    }

    @Property(tries = 300)
    void structuredModeEventsDecodeOrAreRefusedPlainly(@ForAll("envelopes") String envelope, @ForAll boolean truncate) {
        String body = truncate && envelope.length() > 3 ? envelope.substring(0, envelope.length() / 2) : envelope;
        decode(Map.of("content-type", "application/cloudevents+json"), body.getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<JsonNode> payloads() {
        Arbitrary<String> tensor = Combinators.combine(
                Arbitraries.integers().between(-2, 5).list().ofMaxSize(3),
                Arbitraries.of("[1, 2, 3, 4]", "[[1, 2], [3, 4]]", "[]", "\"x\"", "[1, [2, [3]]]", "null"),
                Arbitraries.of("\"FP32\"", "\"BYTES\"", "7"))
                .as((shape, data, type) -> "{\"name\": \"t\", \"shape\": " + shape + ", \"datatype\": " + type + ", \"data\": " + data + "}");
        Arbitrary<String> v2 = tensor.list().ofMaxSize(3).map(ts -> "{\"inputs\": [" + String.join(",", ts) + "], \"outputs\": ["
                + String.join(",", ts) + "]}");
        Arbitrary<String> v1 = Arbitraries.of("[[1, 2]]", "[]", "[1]", "{}", "null", "[[1], \"a\", {\"b\": 1}]", "7")
                .map(list -> "{\"instances\": " + list + ", \"predictions\": " + list + "}");
        return Arbitraries.oneOf(v1, v2).map(s -> {
            try {
                return JSON.readTree(s);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(s, e);
            }
        });
    }

    @Property(tries = 400)
    void v1AndV2BodiesGiveInstancesAndPredictionsOrAPlainRefusal(@ForAll("payloads") JsonNode payload,
                                                                  @ForAll boolean v2) {
        try {
            List<JsonNode> rows = ServiceEventExplainer.instances(payload);
            assertNotNull(rows);
        } catch (RuntimeException e) {
            acceptableFailure(e);
        }
        InferenceEvent response = new InferenceEvent("s", "i", InferenceEvent.RESPONSE_TYPE, InferenceEvent.Kind.RESPONSE,
                v2 ? InferenceEvent.Protocol.V2 : InferenceEvent.Protocol.V1, "adult", null, null, null, null, null, null,
                payload.toString().getBytes(StandardCharsets.UTF_8));
        for (int row = 0; row < 3; row++) {
            try {
                assertNotNull(Predictions.forRow(response, row));
            } catch (RuntimeException e) {
                acceptableFailure(e);
            }
        }
    }
}
