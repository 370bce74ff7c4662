package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.cloudevents.core.builder.CloudEventBuilder;
import dev.anchorwatch.testsupport.Http;

class InferenceEventDecoderTest {

    final InferenceEventDecoder decoder = new InferenceEventDecoder(new InferenceEventDecoder.Limits(4096, 8192, 10));

    /** What a loopback HTTP server received: headers as the server saw them, and the body. */
    record Received(Map<String, List<String>> headers, byte[] body) {
    }

    HttpServer server;
    final List<Received> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            received.add(new Received(Map.copyOf(exchange.getRequestHeaders()), exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** POSTs like KServe's logger does and returns what arrived. */
    Received post(Map<String, String> headers, byte[] body) throws Exception {
        HttpResponse<Void> r = Http.CLIENT.send(Http.post(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                + "/"), headers, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(202, r.statusCode());
        return received.get(received.size() - 1);
    }

    @Test
    void gzippedFormEncodedRequestAndPlainResponseShareTheirId() throws Exception {
        Received req = post(KServeEvents.request("4d0b6a3e-1"), KServeEvents.gzip(KServeEvents.V1_REQUEST));
        Received res = post(KServeEvents.response("4d0b6a3e-1"), KServeEvents.utf8(KServeEvents.V1_RESPONSE));

        InferenceEvent request = decoder.decodeHttp(req.headers(), req.body());
        InferenceEvent response = decoder.decodeHttp(res.headers(), res.body());

        assertEquals(InferenceEvent.Kind.REQUEST, request.kind());
        assertEquals(InferenceEvent.Protocol.V1, request.protocol());
        assertEquals("4d0b6a3e-1", request.id());
        assertEquals(KServeEvents.SOURCE, request.source());
        assertEquals("adult", request.inferenceServiceName());
        assertEquals("default", request.namespace());
        assertEquals("predictor", request.component());
        assertEquals("default", request.endpoint());
        assertEquals("{\"X-B3-Traceid\":[\"abc\"]}", request.metadata());
        assertEquals("application/x-www-form-urlencoded", request.contentType());
        assertEquals(Instant.parse("2026-11-25T10:15:30.123456789Z"), request.time());
        assertEquals(new ObjectMapper().readTree(KServeEvents.V1_REQUEST), request.payload());

        assertEquals(InferenceEvent.Kind.RESPONSE, response.kind());
        assertEquals(request.pairKey(), response.pairKey());
        assertTrue(!request.dedupKey().equals(response.dedupKey()));
        assertEquals("0", Predictions.forRow(response, 0).orElseThrow());
    }

    @Test
    void openInferenceV2RequestAndResponse() throws Exception {
        Received req = post(KServeEvents.request("v2-1"), KServeEvents.utf8(KServeEvents.V2_REQUEST));
        Received res = post(KServeEvents.response("v2-1"), KServeEvents.gzip(KServeEvents.V2_RESPONSE));
        InferenceEvent request = decoder.decodeHttp(req.headers(), req.body());
        InferenceEvent response = decoder.decodeHttp(res.headers(), res.body());
        assertEquals(InferenceEvent.Protocol.V2, request.protocol());
        assertEquals(InferenceEvent.Protocol.V2, response.protocol());
        assertEquals("[0.9,0.1]", Predictions.forRow(response, 0).orElseThrow());
        assertEquals("[0.2,0.8]", Predictions.forRow(response, 1).orElseThrow());
        assertTrue(Predictions.forRow(response, 2).isEmpty());
    }

    @Test
    void kafkaRecordWithCeHeaders() {
        RecordHeaders headers = new RecordHeaders();
        KServeEvents.request("k-1").forEach((name, value) -> headers.add(
                name.equalsIgnoreCase("Content-Type") ? "content-type" : "ce_" + name.substring(3).toLowerCase(),
                value.getBytes(StandardCharsets.UTF_8)));
        InferenceEvent e = decoder.decodeKafka(headers, KServeEvents.gzip(KServeEvents.V1_REQUEST));
        assertEquals("k-1", e.id());
        assertEquals("adult", e.inferenceServiceName());
    }

    @Test
    void structuredModeToo() throws Exception {
        String structured = """
                {"specversion": "1.0", "id": "s-1", "source": "http://localhost:9081/",
                 "type": "org.kubeflow.serving.inference.request", "datacontenttype": "application/json",
                 "inferenceservicename": "adult", "data": {"instances": [[1, 2]]}}""";
        InferenceEvent e = decoder.decodeHttp(Map.of("Content-Type", List.of("application/cloudevents+json")),
                KServeEvents.utf8(structured));
        assertEquals("s-1", e.id());
        assertEquals(InferenceEvent.Protocol.V1, e.protocol());
    }

    @Test
    void permanentErrorsSayWhatIsWrong() {
        assertEquals("unsupported event type 'com.example.other': expected org.kubeflow.serving.inference.request"
                + " or org.kubeflow.serving.inference.response",
                reject(KServeEvents.headers("x", "com.example.other"), KServeEvents.V1_REQUEST));

        Map<String, List<String>> noId = multi(KServeEvents.request("x"));
        noId.remove("Ce-Id");
        PermanentEventException e = assertThrows(PermanentEventException.class,
                () -> decoder.decodeHttp(noId, KServeEvents.utf8(KServeEvents.V1_REQUEST)));
        assertTrue(e.getMessage().startsWith("not a CloudEvent"), e.getMessage());

        assertTrue(reject(KServeEvents.request("x"), "instances=1&b=2").startsWith("body is not JSON"));
        assertEquals("body is not a JSON object", reject(KServeEvents.request("x"), "[1, 2]"));
        assertEquals("request has neither 'instances' (KServe V1) nor 'inputs' (KServe V1 or Open Inference V2)",
                reject(KServeEvents.request("x"), "{\"rows\": [[1]]}"));
        // a response without predictions is the answer to a metadata or health call: acknowledged, not rejected
        assertThrows(IgnoredEventException.class, () -> decoder.decodeHttp(multi(KServeEvents.response("x")),
                KServeEvents.utf8("{\"result\": 1}")));
        assertEquals("too many instances: 11, at most 10",
                reject(KServeEvents.request("x"), "{\"instances\": [1,2,3,4,5,6,7,8,9,10,11]}"));
        assertEquals("body too large: 5000 bytes, at most 4096",
                reject(KServeEvents.request("x"), "{\"instances\": [\"" + "a".repeat(4981) + "\"]}"));

        byte[] bomb = KServeEvents.gzip("{\"instances\": [\"" + "a".repeat(20_000) + "\"]}");
        assertTrue(bomb.length < 4096);
        PermanentEventException big = assertThrows(PermanentEventException.class,
                () -> decoder.decodeHttp(multi(KServeEvents.request("x")), bomb));
        assertEquals("body too large once gunzipped: more than 8192 bytes", big.getMessage());

        byte[] broken = {0x1f, (byte) 0x8b, 1, 2, 3};
        PermanentEventException corrupt = assertThrows(PermanentEventException.class,
                () -> decoder.decodeHttp(multi(KServeEvents.request("x")), broken));
        assertTrue(corrupt.getMessage().startsWith("body starts like gzip but does not inflate"), corrupt.getMessage());

        // no body at all: a GET or metadata call, acknowledged and counted rather than dead-lettered
        IgnoredEventException empty = assertThrows(IgnoredEventException.class, () -> decoder.decode(
                CloudEventBuilder.v1().withId("e").withSource(URI.create("/s"))
                        .withType("org.kubeflow.serving.inference.request").build()));
        assertEquals(InferenceEvent.Kind.REQUEST, empty.kind());
    }

    private String reject(Map<String, String> headers, String body) {
        return assertThrows(PermanentEventException.class,
                () -> decoder.decodeHttp(multi(headers), KServeEvents.utf8(body))).getMessage();
    }

    private static Map<String, List<String>> multi(Map<String, String> headers) {
        Map<String, List<String>> m = new java.util.LinkedHashMap<>();
        headers.forEach((k, v) -> m.put(k, List.of(v)));
        return m;
    }
}
