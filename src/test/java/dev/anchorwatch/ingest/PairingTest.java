package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class PairingTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-25T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final ManualClock clock = new ManualClock();
    final Pairing pairing = new Pairing(3, Duration.ofMinutes(10), clock);

    static InferenceEvent request(String id) {
        return event("src", id, InferenceEvent.Kind.REQUEST);
    }

    static InferenceEvent response(String id) {
        return event("src", id, InferenceEvent.Kind.RESPONSE);
    }

    static InferenceEvent event(String source, String id, InferenceEvent.Kind kind) {
        boolean req = kind == InferenceEvent.Kind.REQUEST;
        return new InferenceEvent(source, id, req ? InferenceEvent.REQUEST_TYPE : InferenceEvent.RESPONSE_TYPE, kind,
                InferenceEvent.Protocol.V1, "adult", "default", "predictor", "default", null, null, "application/json",
                KServeEvents.utf8(req ? KServeEvents.V1_REQUEST : KServeEvents.V1_RESPONSE));
    }

    @Test
    void responseAfterRequestIsFoundAtPublishTime() {
        InferenceEvent req = request("a");
        Pairing.Explain explain = assertInstanceOf(Pairing.Explain.class, pairing.offer(req));
        assertTrue(explain.served().isEmpty());
        InferenceEvent res = response("a");
        Pairing.ResponseKept kept = assertInstanceOf(Pairing.ResponseKept.class, pairing.offer(res));
        assertTrue(kept.requestSeen());
        assertEquals("0", pairing.served(req).orElseThrow());
    }

    @Test
    void responseBeforeRequestIsAttached() {
        InferenceEvent res = response("b");
        assertEquals(new Pairing.ResponseKept(res, false), pairing.offer(res));
        Pairing.Explain explain = assertInstanceOf(Pairing.Explain.class, pairing.offer(request("b")));
        assertEquals("0", explain.served().orElseThrow(), "only the served prediction is kept, not the response");
    }

    @Test
    void duplicatesAreDroppedOnlyOnceHandled() {
        InferenceEvent req = request("c");
        assertInstanceOf(Pairing.Explain.class, pairing.offer(req));
        assertInstanceOf(Pairing.InFlight.class, pairing.offer(request("c")), "same request while explaining");
        pairing.abandoned(req);
        assertInstanceOf(Pairing.Explain.class, pairing.offer(request("c")), "explained again after a transient failure");
        pairing.completed(req);
        assertInstanceOf(Pairing.Duplicate.class, pairing.offer(request("c")));

        assertInstanceOf(Pairing.ResponseKept.class, pairing.offer(response("c")));
        assertInstanceOf(Pairing.Duplicate.class, pairing.offer(response("c")));
    }

    @Test
    void missingResponseLeavesNoServedPrediction() {
        InferenceEvent req = request("d");
        assertInstanceOf(Pairing.Explain.class, pairing.offer(req));
        pairing.completed(req);
        assertTrue(pairing.served(req).isEmpty());
    }

    @Test
    void sameIdFromAnotherSourceIsAnotherInference() {
        assertInstanceOf(Pairing.Explain.class, pairing.offer(request("e")));
        assertInstanceOf(Pairing.Explain.class, pairing.offer(event("other", "e", InferenceEvent.Kind.REQUEST)));
    }

    @Test
    void pairsExpireAfterTheTtl() {
        InferenceEvent req = request("f");
        pairing.offer(req);
        pairing.completed(req);
        pairing.offer(response("f"));
        clock.advance(Duration.ofMinutes(9));
        assertInstanceOf(Pairing.Duplicate.class, pairing.offer(request("f")));
        assertTrue(pairing.served(req).isPresent());

        clock.advance(Duration.ofMinutes(1));
        assertTrue(pairing.served(req).isEmpty(), "forgotten at the TTL");
        assertEquals(0, pairing.size());
        assertInstanceOf(Pairing.Explain.class, pairing.offer(request("f")), "a late redelivery is explained again");
        clock.advance(Duration.ofMinutes(10));
        assertEquals(new Pairing.ResponseKept(response("f"), false), pairing.offer(response("f")));
    }

    @Test
    void theOldestPairsGoBeyondTheBound() {
        for (String id : new String[] { "g1", "g2", "g3", "g4" }) {
            InferenceEvent req = request(id);
            pairing.offer(req);
            pairing.completed(req);
            clock.advance(Duration.ofSeconds(1));
        }
        assertEquals(3, pairing.size());
        assertInstanceOf(Pairing.Duplicate.class, pairing.offer(request("g4")));
        assertInstanceOf(Pairing.Duplicate.class, pairing.offer(request("g2")));
        assertInstanceOf(Pairing.Explain.class, pairing.offer(request("g1")), "g1 was evicted");
        assertEquals(3, pairing.size());
    }

    static InferenceEvent response(String id, String body) {
        return new InferenceEvent("src", id, InferenceEvent.RESPONSE_TYPE, InferenceEvent.Kind.RESPONSE,
                InferenceEvent.Protocol.V1, "adult", "default", "predictor", "default", null, null, "application/json",
                KServeEvents.utf8(body));
    }

    static final class Evictions implements Pairing.Listener {
        final java.util.Map<String, Integer> counts = new java.util.TreeMap<>();

        @Override
        public void evicted(String reason) {
            counts.merge(reason, 1, Integer::sum);
        }
    }

    @Test
    void aLargeResponseCostsOnlyItsServedPrediction() {
        Pairing window = new Pairing(new Pairing.Limits(1000, 1 << 20, Duration.ofMinutes(10), 64, 1024), clock,
                Pairing.Listener.NONE);
        // 2 MB of response body, of which pairing needs the first prediction only
        String big = "{\"predictions\": [[0.25, 0.75]" + ", [0.5, 0.5]".repeat(150_000) + "]}";
        window.offer(response("big", big));
        assertEquals("[0.25,0.75]", window.served(request("big")).orElseThrow());
        long expected = Pairing.ENTRY_OVERHEAD + 2L * ("src".length() + "big".length()) + 40 + 2L * "[0.25,0.75]".length();
        assertEquals(expected, window.bytes());

        // a served prediction over the cap is dropped, the pair still counts as answered
        String wide = "{\"predictions\": [[" + "0.125, ".repeat(20) + "0.5]]}";
        assertInstanceOf(Pairing.ResponseKept.class, window.offer(response("wide", wide)));
        assertTrue(window.served(request("wide")).isEmpty());
        assertInstanceOf(Pairing.Duplicate.class, window.offer(response("wide", wide)));
    }

    @Test
    void theByteBudgetForgetsTheOldestAndCountsIt() {
        Evictions evictions = new Evictions();
        long perPair = Pairing.ENTRY_OVERHEAD + 2L * ("src".length() + "r00".length()) + 40 + 2L * "0".length();
        Pairing window = new Pairing(new Pairing.Limits(1000, 10 * perPair, Duration.ofMinutes(10), 64, 1024), clock,
                evictions);
        for (int i = 0; i < 25; i++) {
            window.offer(response(String.format("r%02d", i), KServeEvents.V1_RESPONSE));
        }
        assertEquals(10, window.size());
        assertEquals(10 * perPair, window.bytes());
        assertEquals(java.util.Map.of("bytes", 15), evictions.counts);
        assertTrue(window.served(request("r14")).isEmpty(), "r14 was forgotten");
        assertEquals("0", window.served(request("r15")).orElseThrow());

        clock.advance(Duration.ofMinutes(10));
        assertEquals(0, window.size());
        assertEquals(0, window.bytes());
        assertEquals(java.util.Map.of("bytes", 15, "ttl", 10), evictions.counts);
    }

    @Test
    void aPublishedRecordOverTheCapIsNotRememberedAndTheRequestIsExplainedAgain() {
        Pairing window = new Pairing(new Pairing.Limits(1000, 1 << 20, Duration.ofMinutes(10), 64, 2048), clock,
                Pairing.Listener.NONE);
        InferenceEvent small = request("s");
        window.offer(small);
        dev.anchorwatch.publish.ExplanationRecord smallRecord = record("s", "{}");
        window.completed(small, smallRecord);
        Pairing.Duplicate dup = assertInstanceOf(Pairing.Duplicate.class, window.offer(request("s")));
        assertEquals(smallRecord, dup.published().orElseThrow());

        InferenceEvent large = request("l");
        window.offer(large);
        window.completed(large, record("l", "{\"x\": \"" + "a".repeat(4000) + "\"}"));
        assertInstanceOf(Pairing.Explain.class, window.offer(request("l")), "not remembered: explained again");
    }

    static dev.anchorwatch.publish.ExplanationRecord record(String id, String json) {
        return dev.anchorwatch.publish.ExplanationRecord.builder().explanationId("e-" + id).inferenceId(id).model("adult")
                .explainer("AnchorTabular").createdAt(java.time.Instant.EPOCH).explanation(json).build();
    }
}
