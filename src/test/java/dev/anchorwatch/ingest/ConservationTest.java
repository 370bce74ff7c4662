package dev.anchorwatch.ingest;

import static dev.anchorwatch.testsupport.KafkaLoggerEvents.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.ServedPrediction;
import dev.anchorwatch.testsupport.AdultRows;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;
import dev.anchorwatch.testsupport.KafkaTestResource;
import dev.anchorwatch.testsupport.PostgresTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Conservation, end to end with real parts: the demo Adult model served over HTTP, the in-JVM Kafka broker and
 * the embedded PostgreSQL, sinks kafka + postgres + log. Thirty distinct inferences arrive, half over HTTP exactly
 * as KServe's logger posts them, half through the Kafka ingress as a KafkaSink writes them, with duplicates,
 * responses before and after their requests, missing responses, and poison events on both paths. Afterwards every
 * sink holds exactly one explanation per distinct inference and one failure event per unexplainable event, the
 * poison events are in their dead-letter paths with their reasons, and there is nothing else.
 */
@QuarkusTest
@TestProfile(ConservationTest.Profile.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class ConservationTest {

    static final String TOPIC = "cons.inference-events";
    static final String DLQ = "cons.inference-events.dlq";
    static final String OUT = "cons.explanations";
    static final String GROUP = "cons";
    /** A file of this run only: the log sink appends. */
    static final Path LOG_FILE = Path.of("target", "conservation", "explanations-" + ProcessHandle.current().pid() + ".jsonl");
    static final String HTTP_SOURCE = KServeEvents.SOURCE;
    static final String KAFKA_SOURCE = "http://adult-predictor.default.svc.cluster.local/";
    static final ObjectMapper JSON = new ObjectMapper();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> m = new HashMap<>();
            m.put("anchorwatch.demo.enabled", "true");
            m.put("anchorwatch.sinks.enabled", "kafka,postgres,log");
            m.put("anchorwatch.sinks.kafka.topic", OUT);
            m.put("anchorwatch.sinks.log.file", LOG_FILE.toString());
            m.put("anchorwatch.sinks.log.console", "false");
            m.put("anchorwatch.ingest.kafka.enabled", "true");
            m.put("anchorwatch.ingest.kafka.topic", TOPIC);
            m.put("anchorwatch.ingest.kafka.dead-letter-topic", DLQ);
            m.put("anchorwatch.ingest.kafka.group-id", GROUP);
            m.put("anchorwatch.ingest.kafka.concurrency", "2");
            m.put("anchorwatch.ingest.kafka.initial-backoff", "200ms");
            m.put("anchorwatch.ingest.kafka.max-backoff", "2s");
            m.put("mp.messaging.incoming.inference-events.auto.commit.interval.ms", "200");
            return m;
        }
    }

    @TestHTTPResource("/")
    URI root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    Instance<AgroalDataSource> dataSource;

    @Inject
    EventExplainer explainer;

    @Inject
    InferenceEventDecoder decoder;

    final HttpClient http = HttpClient.newHttpClient();

    static String features(int[] row) {
        return java.util.Arrays.stream(row, 0, 12).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    static String v1Request(int[] row) {
        return "{\"instances\": [" + features(row) + "]}";
    }

    static String v1Response(int[] row) {
        return "{\"predictions\": [" + row[12] + "]}";
    }

    static String id(int i) {
        return String.format("c-%02d", i);
    }

    // ---------------------------------------------------------------- HTTP, as KServe's logger posts

    Map<String, String> loggerHeaders(String id, String type, String model) {
        Map<String, String> h = new LinkedHashMap<>(KServeEvents.headers(id, type));
        if (model == null) {
            h.remove("Ce-Inferenceservicename");
        } else {
            h.put("Ce-Inferenceservicename", model);
        }
        return h;
    }

    /** POSTs like the broker: retries 429 and 5xx after a pause; returns the final answer. */
    HttpResponse<String> deliver(Map<String, String> headers, byte[] body) throws Exception {
        for (int attempt = 1;; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(root).timeout(Duration.ofSeconds(60));
            headers.forEach(b::header);
            HttpResponse<String> r = http.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if ((r.statusCode() == 429 || r.statusCode() >= 500) && attempt < 10) {
                Thread.sleep(200L * attempt);
                continue;
            }
            return r;
        }
    }

    void expect(int status, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
    }

    // ---------------------------------------------------------------- Kafka, as a KafkaSink writes

    static RecordHeaders kafkaHeaders(String id, String type, String model) {
        return KafkaLoggerEvents.headers(KAFKA_SOURCE, id, type, model, "application/x-www-form-urlencoded");
    }

    @Test
    void everyInferenceIsExplainedExactlyOnceInEverySinkAndEveryPoisonEventIsDeadLettered() throws Exception {
        List<int[]> rows = AdultRows.first(30);
        Set<String> good = new TreeSet<>();
        for (int i = 0; i < 30; i++) {
            good.add(id(i));
        }
        Map<String, String> servedExpected = new TreeMap<>(); // inference -> served prediction that must be recorded
        Set<String> servedUnknown = new TreeSet<>(); // response raced its request: either outcome is right
        String req = InferenceEvent.REQUEST_TYPE;
        String resp = InferenceEvent.RESPONSE_TYPE;

        // ---- HTTP: c-00..c-14, each inference's events in order, two inferences at a time (a broker delivers
        // concurrently), while the Kafka ingress works too ----
        List<java.util.concurrent.Callable<Void>> httpInferences = new ArrayList<>();
        for (int i = 0; i <= 4; i++) { // response first (out of order)
            int[] row = rows.get(i);
            String s = id(i);
            servedExpected.put(s, Integer.toString(row[12]));
            httpInferences.add(() -> {
                expect(202, deliver(loggerHeaders(s, resp, "adult"), KServeEvents.gzip(v1Response(row))));
                expect(202, deliver(loggerHeaders(s, req, "adult"), KServeEvents.gzip(v1Request(row))));
                return null;
            });
        }
        for (int i = 5; i <= 9; i++) { // in order: the response comes after the explanation was published
            int[] row = rows.get(i);
            String s = id(i);
            servedExpected.put(s, Integer.toString(row[12])); // merged into the stored explanation
            httpInferences.add(() -> {
                expect(202, deliver(loggerHeaders(s, req, "adult"), KServeEvents.gzip(v1Request(row))));
                expect(202, deliver(loggerHeaders(s, resp, "adult"), KServeEvents.gzip(v1Response(row))));
                return null;
            });
        }
        for (int i = 10; i <= 12; i++) { // no response at all
            int[] row = rows.get(i);
            String s = id(i);
            httpInferences.add(() -> {
                expect(202, deliver(loggerHeaders(s, req, "adult"), KServeEvents.gzip(v1Request(row))));
                return null;
            });
        }
        int[] r13 = rows.get(13);
        servedExpected.put(id(13), Integer.toString(r13[12]));
        httpInferences.add(() -> { // duplicates of both kinds, response first
            expect(202, deliver(loggerHeaders(id(13), resp, "adult"), KServeEvents.gzip(v1Response(r13))));
            expect(202, deliver(loggerHeaders(id(13), resp, "adult"), KServeEvents.gzip(v1Response(r13))));
            expect(202, deliver(loggerHeaders(id(13), req, "adult"), KServeEvents.gzip(v1Request(r13))));
            expect(202, deliver(loggerHeaders(id(13), req, "adult"), KServeEvents.gzip(v1Request(r13))));
            return null;
        });
        int[] r14 = rows.get(14);
        servedExpected.put(id(14), Integer.toString(r14[12]));
        httpInferences.add(() -> { // Open Inference V2 bodies, not gzipped
            expect(202, deliver(loggerHeaders(id(14), resp, "adult"), KServeEvents.utf8("{\"model_name\": \"adult\", \"outputs\": [{"
                    + "\"name\": \"output-0\", \"shape\": [1], \"datatype\": \"INT64\", \"data\": [" + r14[12] + "]}]}")));
            expect(202, deliver(loggerHeaders(id(14), req, "adult"), KServeEvents.utf8("{\"inputs\": [{\"name\": \"input-0\","
                    + " \"shape\": [1, 12], \"datatype\": \"FP32\", \"data\": " + features(r14) + "}]}")));
            return null;
        });
        java.util.concurrent.ExecutorService httpClients = java.util.concurrent.Executors.newFixedThreadPool(2);
        List<java.util.concurrent.Future<Void>> httpDone = new ArrayList<>();
        httpInferences.forEach(task -> httpDone.add(httpClients.submit(task)));
        httpClients.shutdown();

        // HTTP poison: each answered with a non-retried 4xx and its reason, for the broker's dead-letter sink
        HttpResponse<String> notJson = deliver(loggerHeaders("hp-1", req, "adult"), KServeEvents.utf8("instances=52&x=1"));
        expect(400, notJson);
        assertTrue(notJson.body().startsWith("body is not JSON"), notJson.body());
        HttpResponse<String> unknownModel = deliver(loggerHeaders("hp-2", req, "income-v9"),
                KServeEvents.gzip(v1Request(rows.get(0))));
        expect(422, unknownModel);
        assertTrue(unknownModel.body().contains("income-v9"), unknownModel.body());
        HttpResponse<String> wrongShape = deliver(loggerHeaders("hp-3", req, "adult"),
                KServeEvents.gzip("{\"instances\": [[52, 4, 0, 2, 8]]}"));
        expect(422, wrongShape);
        assertTrue(wrongShape.body().contains("instance"), wrongShape.body());
        HttpResponse<String> noModel = deliver(loggerHeaders("hp-4", req, null), KServeEvents.gzip(v1Request(rows.get(0))));
        expect(400, noModel);
        assertTrue(noModel.body().contains("inferenceservicename"), noModel.body());

        // ---- Kafka: c-15..c-29 ----
        try (KafkaLoggerEvents kafka = new KafkaLoggerEvents(bootstrap)) {
            // phase 1: responses of c-15..c-19 (one twice), consumed before their requests are sent
            RecordMetadata last = null;
            for (int i = 15; i <= 19; i++) {
                last = kafka.send(TOPIC, id(i), kafkaHeaders(id(i), resp, "adult"), KServeEvents.gzip(v1Response(rows.get(i))));
                servedExpected.put(id(i), Integer.toString(rows.get(i)[12]));
            }
            last = kafka.send(TOPIC, id(15), kafkaHeaders(id(15), resp, "adult"), KServeEvents.gzip(v1Response(rows.get(15))));
            awaitCommitted(kafka, last);

            // phase 2: every request (c-20, c-21 twice), late responses for c-20..c-24, poison
            for (int i = 15; i <= 29; i++) {
                if (i == 29) { // structured mode: the whole event as JSON, data inline
                    RecordHeaders h = new RecordHeaders();
                    KafkaLoggerEvents.add(h, "content-type", "application/cloudevents+json");
                    kafka.send(TOPIC, id(i), h, KServeEvents.utf8("{\"specversion\": \"1.0\", \"id\": \"" + id(i)
                            + "\", \"source\": \"" + KAFKA_SOURCE + "\", \"type\": \"" + req + "\", \"inferenceservicename\":"
                            + " \"adult\", \"namespace\": \"default\", \"datacontenttype\": \"application/json\", \"data\": "
                            + v1Request(rows.get(i)) + "}"));
                    continue;
                }
                byte[] body = i % 2 == 0 ? KServeEvents.gzip(v1Request(rows.get(i))) : KServeEvents.utf8(v1Request(rows.get(i)));
                kafka.send(TOPIC, id(i), kafkaHeaders(id(i), req, "adult"), body);
                if (i == 20 || i == 21) {
                    kafka.send(TOPIC, id(i), kafkaHeaders(id(i), req, "adult"), body);
                }
            }
            for (int i = 20; i <= 24; i++) {
                kafka.send(TOPIC, id(i), kafkaHeaders(id(i), resp, "adult"), KServeEvents.gzip(v1Response(rows.get(i))));
                servedExpected.put(id(i), Integer.toString(rows.get(i)[12])); // before, during or after: recorded
            }
            Map<String, String> poisonReasons = new LinkedHashMap<>();
            kafka.send(TOPIC, "kp-1", new RecordHeaders(), KServeEvents.utf8("{\"instances\": [[1, 2, 3]]}"));
            poisonReasons.put("kp-1", "400 not a CloudEvent");
            kafka.send(TOPIC, "kp-2", kafkaHeaders("kp-2", req, "income-v9"), KServeEvents.gzip(v1Request(rows.get(1))));
            poisonReasons.put("kp-2", "422 no explainer for model 'income-v9'");
            kafka.send(TOPIC, "kp-3", kafkaHeaders("kp-3", req, "adult"), KServeEvents.gzip("{\"instances\": [[1, 2, 3]]}"));
            poisonReasons.put("kp-3", "422 instance has 3 features");
            byte[] brokenGzip = {(byte) 0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5};
            kafka.send(TOPIC, "kp-4", kafkaHeaders("kp-4", req, "adult"), brokenGzip);
            poisonReasons.put("kp-4", "400 body starts like gzip but does not inflate");

            for (java.util.concurrent.Future<Void> f : httpDone) {
                f.get(120, TimeUnit.SECONDS);
            }
            // redeliveries of inputs already handled: acknowledged, nothing new published
            expect(202, deliver(loggerHeaders(id(0), req, "adult"), KServeEvents.gzip(v1Request(rows.get(0)))));
            last = kafka.send(TOPIC, id(16), kafkaHeaders(id(16), req, "adult"), KServeEvents.gzip(v1Request(rows.get(16))));
            awaitCommitted(kafka, last);

            Set<String> failedExpected = Set.of("hp-2", "hp-3", "kp-2", "kp-3");
            int expectedOutputs = good.size() + failedExpected.size();

            // ---- the Kafka sink: exactly one event per distinct inference, nothing else ----
            java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> isExplanation =
                    r -> !ServedPrediction.TYPE.equals(header(r, "ce_type"));
            List<ConsumerRecord<byte[], byte[]>> out = kafka.readAll(OUT, Duration.ofSeconds(120),
                    got -> got.stream().filter(isExplanation).count() >= expectedOutputs);
            out = kafka.readAll(OUT, Duration.ofSeconds(2), got -> got.stream().filter(isExplanation).count()
                    > expectedOutputs); // anything extra?
            // served-prediction updates (responses handled when their request was not being explained): at most
            // one per inference, with the served prediction
            Map<String, List<ConsumerRecord<byte[], byte[]>>> servedUpdates = out.stream()
                    .filter(r -> ServedPrediction.TYPE.equals(header(r, "ce_type")))
                    .collect(Collectors.groupingBy(r -> header(r, "ce_subject"), TreeMap::new, Collectors.toList()));
            for (Map.Entry<String, List<ConsumerRecord<byte[], byte[]>>> e : servedUpdates.entrySet()) {
                assertEquals(1, e.getValue().size(), "served updates of " + e.getKey());
                assertEquals(servedExpected.get(e.getKey()),
                        JSON.readTree(e.getValue().get(0).value()).path("served_prediction").toString(), e.getKey());
            }
            out = out.stream().filter(r -> !ServedPrediction.TYPE.equals(header(r, "ce_type"))).toList();
            Map<String, List<ConsumerRecord<byte[], byte[]>>> bySubject = out.stream()
                    .collect(Collectors.groupingBy(r -> header(r, "ce_subject"), TreeMap::new, Collectors.toList()));
            Set<String> subjects = new TreeSet<>(good);
            subjects.addAll(failedExpected);
            assertEquals(subjects, bySubject.keySet());
            bySubject.forEach((subject, records) -> assertEquals(1, records.size(), subject + " published "
                    + records.size() + " times"));
            for (String s : good) {
                ConsumerRecord<byte[], byte[]> r = bySubject.get(s).get(0);
                assertEquals(ExplanationRecord.TYPE_EXPLANATION, header(r, "ce_type"), s);
                assertEquals(s, new String(r.key(), StandardCharsets.UTF_8), "key = partitionkey = inference id");
                String source = Integer.parseInt(s.substring(2)) < 15 ? HTTP_SOURCE : KAFKA_SOURCE;
                assertEquals(ExplanationIds.explanationId(source, s, req), header(r, "ce_id"), s);
                assertTrue(JSON.readTree(r.value()).path("data").path("anchor").isArray(), s);
            }
            for (String s : failedExpected) {
                assertEquals(ExplanationRecord.TYPE_FAILED, header(bySubject.get(s).get(0), "ce_type"), s);
                assertNotNull(header(bySubject.get(s).get(0), "ce_reason"), s);
            }

            // ---- the Kafka dead-letter topic: the Kafka poison, each once, with its reason ----
            List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readAll(DLQ, Duration.ofSeconds(30), got -> got.size() >= 4);
            Map<String, String> dead = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : dlq) {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                assertNull(dead.put(key, header(r, KafkaDeadLetters.STATUS) + " " + header(r, KafkaDeadLetters.REASON)),
                        "dead-lettered twice: " + key);
                assertEquals(TOPIC, header(r, KafkaDeadLetters.TOPIC));
            }
            assertEquals(poisonReasons.keySet(), dead.keySet(), dead.toString());
            poisonReasons.forEach((k, reason) -> assertTrue(dead.get(k).startsWith(reason), k + ": " + dead.get(k)));

            // ---- PostgreSQL: the same set of rows, with the served prediction where the response came first ----
            Map<String, Map<String, String>> rowsByInference = new TreeMap<>();
            try (Connection c = dataSource.get().getConnection(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select inference_id, id, type, served_prediction::text,"
                            + " explained_prediction::text, body::text from explanation")) {
                while (rs.next()) {
                    Map<String, String> row = new HashMap<>();
                    row.put("id", rs.getString(2));
                    row.put("type", rs.getString(3));
                    row.put("served", rs.getString(4));
                    row.put("explained", rs.getString(5));
                    row.put("body", rs.getString(6));
                    assertNull(rowsByInference.put(rs.getString(1), row), "two rows for " + rs.getString(1));
                }
            }
            assertEquals(subjects, rowsByInference.keySet());
            for (String s : good) {
                Map<String, String> row = rowsByInference.get(s);
                assertEquals(ExplanationRecord.TYPE_EXPLANATION, row.get("type"), s);
                assertEquals(header(bySubject.get(s).get(0), "ce_id"), row.get("id"), s);
                assertNotNull(row.get("explained"), s);
                if (servedExpected.containsKey(s)) {
                    assertEquals(servedExpected.get(s), row.get("served"), "served prediction of " + s);
                } else if (!servedUnknown.contains(s)) {
                    assertNull(row.get("served"), "no response had arrived for " + s);
                }
            }
            failedExpected.forEach(s -> assertEquals(ExplanationRecord.TYPE_FAILED, rowsByInference.get(s).get("type")));

            // ---- the JSON-lines log: one line per published explanation, and the same served updates as Kafka ----
            List<JsonNode> lines = new ArrayList<>();
            for (String l : Files.readAllLines(LOG_FILE, StandardCharsets.UTF_8)) {
                try {
                    lines.add(JSON.readTree(l));
                } catch (Exception e) {
                    throw new AssertionError(l, e);
                }
            }
            Map<String, Long> linesBySubject = lines.stream()
                    .filter(l -> !ServedPrediction.TYPE.equals(l.path("type").asText()))
                    .collect(Collectors.groupingBy(l -> l.path("subject").asText(), TreeMap::new, Collectors.counting()));
            assertEquals(subjects, linesBySubject.keySet());
            linesBySubject.forEach((s, n) -> assertEquals(1L, n, s));
            Map<String, Long> servedLines = lines.stream()
                    .filter(l -> ServedPrediction.TYPE.equals(l.path("type").asText()))
                    .collect(Collectors.groupingBy(l -> l.path("subject").asText(), TreeMap::new, Collectors.counting()));
            assertTrue(servedLines.keySet().containsAll(servedUpdates.keySet()),
                    "the log sink gets the served updates Kafka gets: " + servedLines.keySet() + " " + servedUpdates.keySet());
            servedLines.forEach((s, n) -> assertEquals(1L, n, "served updates of " + s + " in the log"));

            // ---- every input record acknowledged, and so committed, after all this ----
            assertTrue(kafka.committed(GROUP, TOPIC, last.partition()) > last.offset());

            // ---- a redelivery elsewhere (another replica, or after the window) yields the identical output ----
            for (String s : List.of(id(3), id(22))) {
                int i = Integer.parseInt(s.substring(2));
                InferenceEvent again = i < 15
                        ? decoder.decodeHttp(multi(loggerHeaders(s, req, "adult")), KServeEvents.gzip(v1Request(rows.get(i))))
                        : decoder.decodeKafka(kafkaHeaders(s, req, "adult"), KServeEvents.gzip(v1Request(rows.get(i))));
                ExplanationRecord redone = explainer.explain(again).toCompletableFuture().get(60, TimeUnit.SECONDS);
                ConsumerRecord<byte[], byte[]> published = bySubject.get(s).get(0);
                assertEquals(header(published, "ce_id"), redone.explanationId(), s);
                assertEquals(withoutElapsed(JSON.readTree(published.value())), withoutElapsed(JSON.readTree(redone.body())),
                        "same seed from the inference id: the same explanation");
                assertEquals(withoutElapsed(JSON.readTree(rowsByInference.get(s).get("body"))),
                        withoutElapsed(JSON.readTree(redone.body())));
            }
        }
    }

    /** The explanation JSON without its wall-clock field (raw.elapsed_ms), the only part that may differ. */
    static JsonNode withoutElapsed(JsonNode explanation) {
        JsonNode copy = explanation.deepCopy();
        ((ObjectNode) copy.path("data").path("raw")).remove("elapsed_ms");
        return copy;
    }

    static Map<String, List<String>> multi(Map<String, String> headers) {
        Map<String, List<String>> m = new HashMap<>();
        headers.forEach((k, v) -> m.put(k, List.of(v)));
        return m;
    }

    /** Waits until the ingress's group has committed past {@code last}: every record up to it acknowledged. */
    static void awaitCommitted(KafkaLoggerEvents kafka, RecordMetadata last) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (kafka.committed(GROUP, last.topic(), last.partition()) <= last.offset()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the Kafka ingress did not acknowledge up to offset " + last.offset());
            }
            Thread.sleep(100);
        }
    }
}
