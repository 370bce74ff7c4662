package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Admission: decode places and bytes, taken before work, charged while reading and inflating. */
class AdmissionTest {

    final List<String> refusals = new ArrayList<>();
    final Admission admission = new Admission(new Admission.Limits(2, 1000), (path, reason) -> refusals.add(path + ":" + reason.tag()));

    static Map<String, List<String>> multi(Map<String, String> headers) {
        Map<String, List<String>> m = new java.util.LinkedHashMap<>();
        headers.forEach((k, v) -> m.put(k, List.of(v)));
        return m;
    }

    @Test
    void decodePlacesAndBytesAreBoundedAndFreed() {
        Admission.Ticket a = admission.admit("ingest", 400);
        Admission.Ticket b = admission.admit("ingest", 400);
        assertEquals(Admission.Reason.BUSY, assertThrows(Admission.Refused.class, () -> admission.admit("ingest", 1)).reason());
        b.endDecode();
        assertEquals(Admission.Reason.BYTES, assertThrows(Admission.Refused.class, () -> admission.admit("explain", 300)).reason());
        assertEquals(1, admission.decodesInFlight(), "a refusal for bytes gives its decode place back");
        Admission.Refused tooLarge = assertThrows(Admission.Refused.class, () -> a.charge(700));
        assertEquals(Admission.Reason.TOO_LARGE, tooLarge.reason());
        assertTrue(tooLarge.permanent());
        assertEquals(Admission.Reason.BYTES, assertThrows(Admission.Refused.class, () -> a.charge(300)).reason());
        a.charge(200);
        assertEquals(1000, admission.bytesInFlight());
        b.shrinkTo(100);
        assertEquals(700, admission.bytesInFlight());
        a.close();
        a.close();
        b.close();
        assertEquals(0, admission.bytesInFlight());
        assertEquals(0, admission.decodesInFlight());
        assertEquals(Admission.Reason.TOO_LARGE, assertThrows(Admission.Refused.class, () -> admission.admit("ingest", 1001)).reason());
        assertEquals(List.of("ingest:busy", "explain:bytes", "ingest:too_large", "ingest:bytes", "ingest:too_large"), refusals);
    }

    @Test
    void aDeclaredBodyIsReadOnceAndAnOverlongOneIsRefused() throws IOException {
        byte[] body = "{\"instances\": [[1, 2]]}".getBytes();
        long[] charged = { 0 };
        assertArrayEquals(body, BodyReader.read(new ByteArrayInputStream(body), body.length, 100, n -> charged[0] += n));
        assertEquals(0, charged[0], "a declared length was admitted with the ticket");
        assertThrows(BodyReader.TooLarge.class, () -> BodyReader.read(new ByteArrayInputStream(body), 101, 100, n -> { }));
        assertThrows(BodyReader.TooLarge.class, () -> BodyReader.read(new ByteArrayInputStream(body), 5, 100, n -> { }));
    }

    /** A stream that never ends: a chunked body must be cut at the cap, not read to its end. */
    static final class Endless extends InputStream {
        long read;

        @Override
        public int read() {
            read++;
            return 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 'x');
            read += len;
            return len;
        }
    }

    @Test
    void aChunkedBodyIsChargedAsItIsReadAndCutAtTheCap() throws IOException {
        Endless endless = new Endless();
        long[] charged = { 0 };
        assertThrows(BodyReader.TooLarge.class, () -> BodyReader.read(endless, -1, 200_000, n -> charged[0] += n));
        assertEquals(200_001, endless.read, "stopped one byte past the cap");
        assertEquals(3 * 65536, charged[0]);

        byte[] body = new byte[150_000];
        long[] c2 = { 0 };
        assertEquals(150_000, BodyReader.read(new ByteArrayInputStream(body), -1, 200_000, n -> c2[0] += n).length);
        assertEquals(2 * 150_000, c2[0], "the chunks, and the array they are joined into");
    }

    @Test
    void aGzipBombIsNeverInflatedPastTheCapAndEveryChunkIsCharged() {
        byte[] bomb = KServeEvents.gzip("{\"instances\": [\"" + "a".repeat(5_000_000) + "\"]}");
        assertTrue(bomb.length < 10_000, "compresses about 1000:1: " + bomb.length);
        long[] charged = { 0 };
        PermanentEventException e = assertThrows(PermanentEventException.class,
                () -> InferenceEventDecoder.gunzip(bomb, 1_000_000, n -> charged[0] += n));
        assertTrue(e.getMessage().contains("too large once gunzipped"), e.getMessage());
        assertTrue(charged[0] <= 1_000_000, "never more than the cap was kept: " + charged[0]);

        Admission small = new Admission(new Admission.Limits(1, 300_000), Admission.Listener.NONE);
        InferenceEventDecoder decoder = new InferenceEventDecoder(new InferenceEventDecoder.Limits(1 << 20, 8 << 20, 32));
        try (Admission.Ticket t = small.admit("ingest", bomb.length)) {
            Admission.Refused r = assertThrows(Admission.Refused.class,
                    () -> decoder.decodeHttp(multi(KServeEvents.request("bomb")), bomb, t::charge));
            assertEquals(Admission.Reason.TOO_LARGE, r.reason(), "the budget stops inflation before the inflated cap");
            assertTrue(small.bytesInFlight() <= 300_000);
        }
        assertEquals(0, small.bytesInFlight());
    }

    @Test
    void parsingIsChargedBeforeItHappens() {
        Admission small = new Admission(new Admission.Limits(1, 10_000), Admission.Listener.NONE);
        InferenceEventDecoder decoder = new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT);
        byte[] body = KServeEvents.utf8("{\"instances\": [[" + "1, ".repeat(600) + "1]]}");
        try (Admission.Ticket t = small.admit("ingest", body.length)) {
            Admission.Refused r = assertThrows(Admission.Refused.class,
                    () -> decoder.decodeHttp(multi(KServeEvents.request("p")), body, t::charge));
            assertEquals(Admission.Reason.TOO_LARGE, r.reason());
        }
    }
}
