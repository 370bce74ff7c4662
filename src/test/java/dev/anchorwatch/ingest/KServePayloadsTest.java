package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.testsupport.CapturingSink;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;

/**
 * Bodies KServe's data planes accept and its logger therefore sends, which a drop-in must take: V1 {@code inputs}
 * lists and records, GET and metadata calls (empty request bodies, answers without predictions), Open Inference
 * binary-tensor bodies without their header-length header, and a client's {@code application/cloudevents+json}
 * copied onto the logger's own binary-mode event.
 */
class KServePayloadsTest {

    final Map<String, AtomicInteger> ignored = new ConcurrentHashMap<>();
    final InferenceEventDecoder decoder = new InferenceEventDecoder(new InferenceEventDecoder.Limits(1 << 16, 1 << 17, 100),
            (source, kind) -> ignored.computeIfAbsent(source + "/" + kind, k -> new AtomicInteger()).incrementAndGet());

    final CapturingSink capture = new CapturingSink();
    final List<ExplanationRecord> published = capture.published();
    final List<String> deadLettered = new CopyOnWriteArrayList<>();
    final EventIngress ingress = new EventIngress(decoder, new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()),
            new FakeEventExplainer(), new ExplanationPublisher(List.of(capture), Duration.ofSeconds(5)), 4,
            Duration.ofSeconds(5), 1, Clock.systemUTC());
    final KafkaIngressHandler kafka = new KafkaIngressHandler(decoder, ingress, (d, status, category, reason) -> {
        deadLettered.add(d.offset() + " " + status + " " + reason);
        return CompletableFuture.completedFuture(null);
    }, new KafkaIngressHandler.Backoff(Duration.ofMillis(10), Duration.ofMillis(40)));

    static Map<String, List<String>> multi(Map<String, String> headers) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        headers.forEach((k, v) -> m.put(k, List.of(v)));
        return m;
    }

    InferenceEvent decode(Map<String, String> headers, byte[] body) {
        return decoder.decodeHttp(multi(headers), body);
    }

    EventIngress.Reply http(Map<String, String> headers, byte[] body) throws Exception {
        return ingress.handleHttp(multi(headers), body).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // ---- V1 "inputs"

    @Test
    void aV1InputsListIsAListOfInstancesNotOpenInferenceV2() {
        InferenceEvent e = decode(KServeEvents.request("in-1"),
                KServeEvents.utf8("{\"inputs\": [[39, 7, 1, 1, 1, 1, 4, 1, 2174, 0, 40, 9], [50, 6, 1, 0, 5, 0, 4, 1, 0, 0, 13, 9]]}"));
        assertEquals(InferenceEvent.Protocol.V1, e.protocol());
        List<JsonNode> rows = ServiceEventExplainer.instances(e.payload());
        assertEquals(2, rows.size());
        assertEquals("[50,6,1,0,5,0,4,1,0,0,13,9]", rows.get(1).toString());

        // records under "inputs" (KServe builds a DataFrame from them) are V1 too
        InferenceEvent records = decode(KServeEvents.request("in-2"), KServeEvents.utf8("{\"inputs\": [{\"Age\": 39}]}"));
        assertEquals(InferenceEvent.Protocol.V1, records.protocol());
        // tensors (name, shape, datatype) are Open Inference V2
        assertEquals(InferenceEvent.Protocol.V2, decode(KServeEvents.request("in-3"), KServeEvents.utf8(KServeEvents.V2_REQUEST))
                .protocol());

        PermanentEventException mixed = assertThrows(PermanentEventException.class, () -> decode(KServeEvents.request("in-4"),
                KServeEvents.utf8("{\"inputs\": [[1, 2], {\"name\": \"x\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": [1]}]}")));
        assertTrue(mixed.getMessage().contains("mixes Open Inference V2 tensors"), mixed.getMessage());
        assertTrue(assertThrows(PermanentEventException.class, () -> decode(KServeEvents.request("in-5"),
                KServeEvents.utf8("{\"inputs\": [[1], [2], [3]]}".replace("[[1], [2], [3]]",
                        "[" + "[1],".repeat(100) + "[1]]")))).getMessage().contains("too many instances: 101"));
    }

    @Test
    void aV1InputsRequestIsExplainedAndPairedLikeInstances() throws Exception {
        EventIngress.Reply r = http(KServeEvents.request("in-6"),
                KServeEvents.utf8("{\"inputs\": [[39, 7, 1, 1, 1, 1, 4, 1, 2174, 0, 40, 9]]}"));
        assertEquals(202, r.status(), r.message());
        assertEquals(1, published.size());
        assertEquals("in-6", published.get(0).inferenceId());
    }

    // ---- GET and metadata calls

    /** The headers of a GET through the logger: ce-* of the request, no Content-Type (a GET has none). */
    static Map<String, String> get(String id, String type) {
        Map<String, String> h = KServeEvents.headers(id, type);
        h.remove("Content-Type");
        return h;
    }

    @Test
    void getAndMetadataCallsAreAcknowledgedAndCountedNeverDeadLettered() throws Exception {
        // GET /v1/models/adult and its answer; GET /v2/models/adult (V2 metadata: tensors without data); GET /
        EventIngress.Reply getRequest = http(get("g-1", InferenceEvent.REQUEST_TYPE), new byte[0]);
        assertEquals(202, getRequest.status());
        assertTrue(getRequest.message().startsWith("ignored: empty body"), getRequest.message());
        assertEquals(202, http(get("g-1", InferenceEvent.RESPONSE_TYPE),
                KServeEvents.utf8("{\"name\": \"adult\", \"ready\": true}")).status());
        assertEquals(202, http(get("g-2", InferenceEvent.REQUEST_TYPE), KServeEvents.utf8("\n")).status());
        assertEquals(202, http(get("g-2", InferenceEvent.RESPONSE_TYPE), KServeEvents.utf8("""
                {"name": "adult", "versions": ["1"], "platform": "sklearn",
                 "inputs": [{"name": "input-0", "datatype": "FP32", "shape": [-1, 12]}],
                 "outputs": [{"name": "output-0", "datatype": "INT64", "shape": [-1]}]}""")).status());
        assertEquals(202, http(get("g-3", InferenceEvent.RESPONSE_TYPE), KServeEvents.utf8("{\"status\": \"alive\"}")).status());
        assertEquals(2, ignored.get("http/REQUEST").get());
        assertEquals(3, ignored.get("http/RESPONSE").get());
        assertTrue(published.isEmpty(), "nothing explained, nothing published");

        // the same through a KafkaSink: the record is acknowledged, not dead-lettered
        RecordHeaders h = KafkaLoggerEvents.headers(KServeEvents.SOURCE, "g-4", InferenceEvent.REQUEST_TYPE, "adult",
                "application/json");
        h.remove("content-type");
        KafkaIngressHandler.Outcome outcome = kafka.process(new KafkaIngressHandler.Delivery("t", 0, 3, null, h, new byte[0]))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, outcome);
        assertTrue(deadLettered.isEmpty(), deadLettered.toString());
        assertEquals(1, ignored.get("kafka/REQUEST").get());
    }

    // ---- Open Inference binary tensor data

    /** A JSON header then little-endian tensor bytes, as a V2 client using the binary extension sends it. */
    static byte[] binaryBody(String header, ByteBuffer data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[h.length + data.position()];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(data.array(), 0, out, h.length, data.position());
        return out;
    }

    static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void binaryTensorRequestsAreDecodedWithoutTheHeaderLengthHeader() {
        ByteBuffer fp32 = le(24);
        for (int i = 1; i <= 6; i++) {
            fp32.putFloat(i + 0.5f);
        }
        ByteBuffer bytes = le(64);
        for (String s : List.of("héllo", "")) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            bytes.putInt(b.length).put(b);
        }
        ByteBuffer all = le(64);
        all.put(fp32.array(), 0, fp32.position()).put(bytes.array(), 0, bytes.position());
        String header = "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[2,3],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":24}},{\"name\":\"ids\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"binary_data_size\":" + bytes.position() + "}}],\"outputs\":[{\"name\":\"output-0\","
                + "\"parameters\":{\"binary_data\":true}}]}";
        Map<String, String> h = KServeEvents.request("b-1");
        h.put("Content-Type", "application/octet-stream");
        InferenceEvent e = decode(h, binaryBody(header, all));
        assertEquals(InferenceEvent.Protocol.V2, e.protocol());
        JsonNode inputs = e.payload().get("inputs");
        assertEquals("[1.5,2.5,3.5,4.5,5.5,6.5]", inputs.get(0).get("data").toString());
        assertEquals("[\"héllo\",\"\"]", inputs.get(1).get("data").toString());
        List<JsonNode> rows = ServiceEventExplainer.instances(e.payload());
        assertEquals(List.of("[1.5,2.5,3.5]", "[4.5,5.5,6.5]"), rows.stream().map(JsonNode::toString).toList());

        // the same body with the header length in the logger's metadata (metadataHeaders configured)
        h.put("Ce-Metadata", "{\"Inference-Header-Content-Length\":[\"" + header.length() + "\"]}");
        assertEquals("[1.5,2.5,3.5,4.5,5.5,6.5]", decode(h, binaryBody(header, all)).payload().at("/inputs/0/data").toString());

        // integer and half-precision tensors
        ByteBuffer ints = le(8 + 4);
        ints.putLong(-3L).putShort((short) 0x3c00).putShort((short) 0xc000); // INT64 -3; FP16 1.0, -2.0
        InferenceEvent mixed = decode(KServeEvents.request("b-2"), binaryBody("{\"inputs\":["
                + "{\"name\":\"a\",\"shape\":[1],\"datatype\":\"INT64\",\"parameters\":{\"binary_data_size\":8}},"
                + "{\"name\":\"b\",\"shape\":[2],\"datatype\":\"FP16\",\"parameters\":{\"binary_data_size\":4}}]}", ints));
        assertEquals("[-3]", mixed.payload().at("/inputs/0/data").toString());
        assertEquals("[1.0,-2.0]", mixed.payload().at("/inputs/1/data").toString());
    }

    @Test
    void binaryTensorBodiesThatCannotBeDecodedSayExactlyWhy() {
        ByteBuffer twenty = le(20);
        twenty.position(20);
        String header = "{\"inputs\":[{\"name\":\"x\",\"shape\":[6],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":24}}]}";
        assertEquals("Open Inference V2 binary tensor body: the tensors declare 24 bytes of binary data "
                + "(binary_data_size), but 20 bytes follow the " + header.length() + "-byte JSON header",
                reject(binaryBody(header, twenty)));
        ByteBuffer four = le(4);
        four.position(4);
        assertTrue(reject(binaryBody("{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"BF16\","
                + "\"parameters\":{\"binary_data_size\":4}}]}", four))
                .contains("binary data of datatype 'BF16' is not supported"));
        assertEquals("4 bytes follow the JSON body, and no tensor declares them (parameters.binary_data_size of the Open "
                + "Inference binary tensor extension)", reject(binaryBody(KServeEvents.V2_REQUEST, four)));
        // more values than the inflated-body budget allows (2^17 bytes here): refused before any is decoded
        ByteBuffer big = le(40_000);
        big.position(40_000);
        assertTrue(reject(binaryBody("{\"inputs\":[{\"name\":\"x\",\"shape\":[40000],\"datatype\":\"UINT8\","
                + "\"parameters\":{\"binary_data_size\":40000}}]}", big)).contains("would take about 960000 bytes as JSON"));
    }

    private String reject(byte[] body) {
        return assertThrows(PermanentEventException.class, () -> decode(KServeEvents.request("bad"), body)).getMessage();
    }

    // ---- a client's application/cloudevents+json on the logger's binary-mode event

    static final String CLIENT_EVENT = """
            {"specversion": "1.0", "id": "client-7", "source": "/shop/checkout", "type": "com.example.score",
             "datacontenttype": "application/json",
             "data": {"instances": [[39, 7, 1, 1, 1, 1, 4, 1, 2174, 0, 40, 9]]}}""";

    @Test
    void aClientsCloudEventsContentTypeOnTheLoggersBinaryEventIsReadForWhatItIs() throws Exception {
        Map<String, String> h = KServeEvents.request("ce-1");
        h.put("Content-Type", "application/cloudevents+json; charset=utf-8");
        InferenceEvent e = decode(h, KServeEvents.utf8(CLIENT_EVENT));
        assertEquals("ce-1", e.id(), "the logger's event, not the client's");
        assertEquals(InferenceEvent.Kind.REQUEST, e.kind());
        assertEquals("adult", e.inferenceServiceName());
        assertEquals("application/cloudevents+json; charset=utf-8", e.contentType());
        assertEquals(InferenceEvent.Protocol.V1, e.protocol());
        assertEquals("[[39,7,1,1,1,1,4,1,2174,0,40,9]]", e.payload().get("instances").toString());

        // the model's answer, a CloudEvent too, logged with the request's content type
        Map<String, String> r = KServeEvents.response("ce-1");
        r.put("Content-Type", "application/cloudevents+json");
        InferenceEvent response = decode(r, KServeEvents.utf8("""
                {"specversion": "1.0", "id": "m-1", "source": "adult", "type": "io.kserve.inference.response",
                 "data_base64": "%s"}""".formatted(java.util.Base64.getEncoder().encodeToString(
                KServeEvents.utf8("{\"predictions\": [1]}")))));
        assertEquals("[1]", response.payload().get("predictions").toString());

        // a plain JSON body under that content type is plain JSON
        assertEquals(InferenceEvent.Protocol.V1, decode(h, KServeEvents.utf8(KServeEvents.V1_REQUEST)).protocol());

        // the same through a KafkaSink (content-type header beside the ce_ headers): explained end to end
        RecordHeaders k = KafkaLoggerEvents.headers(KServeEvents.SOURCE, "ce-2", InferenceEvent.REQUEST_TYPE, "adult",
                "application/cloudevents+json");
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, kafka.process(new KafkaIngressHandler.Delivery("t", 0, 5, null, k,
                KServeEvents.utf8(CLIENT_EVENT))).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(deadLettered.isEmpty(), deadLettered.toString());
        assertEquals(List.of("ce-2"), new ArrayList<>(published.stream().map(ExplanationRecord::inferenceId).toList()));
    }
}
