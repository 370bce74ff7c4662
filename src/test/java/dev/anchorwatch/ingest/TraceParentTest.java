package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.KafkaLoggerEvents;

/** Where a Kafka record's W3C trace context is found, and which values are passed over. */
class TraceParentTest {

    static final String TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final String OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    static RecordHeaders binary() {
        return KafkaLoggerEvents.headers(KServeEvents.SOURCE, "t-1", InferenceEvent.REQUEST_TYPE, "adult",
                "application/json");
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void binaryModeCeTraceparentWithItsTracestate() {
        RecordHeaders h = binary();
        KafkaLoggerEvents.add(h, "ce_traceparent", TP);
        KafkaLoggerEvents.add(h, "ce_tracestate", "congo=t61rcWkgMzE");
        TraceParent t = TraceParent.of(h, utf8(KServeEvents.V1_REQUEST));
        assertEquals(new TraceParent(TP, "congo=t61rcWkgMzE"), t);
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", t.traceId());
        assertEquals("00f067aa0ba902b7", t.parentSpanId());
    }

    @Test
    void theTransportTraceparentHeaderComesFirstAndAnInvalidOneIsPassedOver() {
        RecordHeaders h = binary();
        KafkaLoggerEvents.add(h, "ce_traceparent", TP);
        KafkaLoggerEvents.add(h, "traceparent", OTHER);
        assertEquals(new TraceParent(OTHER, null), TraceParent.of(h, utf8("{}")));

        RecordHeaders bad = binary();
        KafkaLoggerEvents.add(bad, "traceparent", "00-not-a-trace");
        KafkaLoggerEvents.add(bad, "ce_traceparent", TP);
        assertEquals(TP, TraceParent.of(bad, utf8("{}")).traceparent(), "the invalid transport header is passed over");
        assertEquals(TP, TraceParent.ofHeaders(bad).traceparent());
    }

    @Test
    void structuredModeReadsTheTopLevelAttributeWhereverItIs() {
        RecordHeaders h = new RecordHeaders();
        KafkaLoggerEvents.add(h, "content-type", "application/cloudevents+json; charset=UTF-8");
        String event = "{\"specversion\": \"1.0\", \"id\": \"s-1\", \"data\": {\"traceparent\": \"" + OTHER
                + "\", \"instances\": [[1, 2]]}, \"tracestate\": \"k=v\", \"traceparent\": \"" + TP + "\"}";
        assertEquals(new TraceParent(TP, "k=v"), TraceParent.of(h, utf8(event)), "not the one nested in data");
        assertNull(TraceParent.ofHeaders(h), "the headers alone (read before admission) do not open the body");
        assertEquals(new TraceParent(TP, "k=v"), TraceParent.ofAttribute(h, utf8(event)), "the body, once admitted");

        assertNull(TraceParent.of(h, utf8("{\"specversion\": \"1.0\", \"id\": \"s-2\"}")), "none there");
        assertNull(TraceParent.of(h, utf8("{\"traceparent\": 42}")), "not a string");
        assertNull(TraceParent.of(h, utf8("not json")), "not JSON: no trace, the decoder says why");
        assertEquals(TP, TraceParent.of(h, utf8("{\"traceparent\": \"" + TP + "\", \"data\": [1, 2")).traceparent(),
                "found before the JSON breaks off");
        assertNull(TraceParent.of(h, new byte[0]));
    }

    @Test
    void binaryModeBodiesAreNotSearched() {
        RecordHeaders h = binary();
        assertNull(TraceParent.of(h, utf8("{\"traceparent\": \"" + TP + "\"}")),
                "in binary mode the body is the logged payload, not the event");
        assertNull(TraceParent.of(null, utf8("{}")));
        KafkaLoggerEvents.add(h, "ce_traceparent", TP);
        assertNull(TraceParent.ofAttribute(h, utf8("{\"traceparent\": \"" + OTHER + "\"}")),
                "binary mode has no attribute: its trace context is in the headers, which ofHeaders reads");
    }

    @Test
    void validity() {
        assertTrue(TraceParent.valid(TP));
        assertTrue(TraceParent.valid("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"),
                "a later version may add fields");
        assertFalse(TraceParent.valid(null));
        assertFalse(TraceParent.valid(TP + "-extra"), "version 00 has exactly four fields");
        assertFalse(TraceParent.valid(TP.toUpperCase(java.util.Locale.ROOT)), "lower-case hex only");
        assertFalse(TraceParent.valid("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "version ff");
        assertFalse(TraceParent.valid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "zero trace id");
        assertFalse(TraceParent.valid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), "zero span id");
        assertFalse(TraceParent.valid("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"), "short trace id");
    }
}
