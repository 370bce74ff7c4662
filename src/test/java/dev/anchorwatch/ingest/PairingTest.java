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
        assertTrue(explain.response().isEmpty());
        InferenceEvent res = response("a");
        Pairing.ResponseKept kept = assertInstanceOf(Pairing.ResponseKept.class, pairing.offer(res));
        assertTrue(kept.requestSeen());
        assertSame(res, pairing.response(req).orElseThrow());
    }

    @Test
    void responseBeforeRequestIsAttached() {
        InferenceEvent res = response("b");
        assertEquals(new Pairing.ResponseKept(res, false), pairing.offer(res));
        Pairing.Explain explain = assertInstanceOf(Pairing.Explain.class, pairing.offer(request("b")));
        assertSame(res, explain.response().orElseThrow());
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
        assertTrue(pairing.response(req).isEmpty());
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
        assertTrue(pairing.response(req).isPresent());

        clock.advance(Duration.ofMinutes(1));
        assertTrue(pairing.response(req).isEmpty(), "forgotten at the TTL");
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

    @Test
    void countsEvictionsByReasonAndTheBytesItHolds() {
        int responseBytes = response("a").bodySize();
        pairing.offer(response("a"));
        pairing.offer(response("b"));
        assertEquals(2L * responseBytes, pairing.heldBytes(), "kept responses are what the window holds");
        pairing.offer(request("c")); // a request in flight holds no body here
        assertEquals(2L * responseBytes, pairing.heldBytes());
        pairing.offer(response("d")); // the window (3) is full: the oldest pair goes
        assertEquals(1, pairing.evictedFull());
        assertEquals(0, pairing.evictedTtl());
        clock.advance(Duration.ofMinutes(11));
        assertEquals(0, pairing.size());
        assertEquals(3, pairing.evictedTtl(), "b, c and d outlived the time to live");
        assertEquals(0, pairing.heldBytes());
    }
}
