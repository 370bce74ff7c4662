package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.model.RandomForest;
import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.KafkaExplanationSink;
import dev.anchorwatch.publish.PostgresExplanationSink;
import dev.anchorwatch.testsupport.InJvmKafka;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;
import dev.anchorwatch.testsupport.LoopbackPostgres;

/**
 * Issue 9 item 3, end to end: a KafkaSink writes KServe's logger events with a null key, so a request and its
 * response land on different partitions of the input topic and are consumed by different replicas, each with its
 * own pairing window. Two replicas here (each its own Kafka ingress handler, pairing window, publisher and sinks)
 * share one real PostgreSQL and one real Kafka output topic, and explain with the Adult forest served over V1 HTTP.
 * Whichever replica sees which half, and in whichever order, the stored explanation ends with the served prediction
 * and the mismatch flag, and Kafka consumers get the documented {@code dev.anchorwatch.explanation.served} update
 * (docs/events.md) under the inference id, beside the explanation.
 */
class ServedAcrossReplicasTest {
    static final String IN = "replicas.inference-events";
    static final String OUT = "replicas.explanations";
    static final String SOURCE = "http://adult-predictor-00001-deployment-6d5f7c9b8-x2x7k/";
    static final ObjectMapper JSON = new ObjectMapper();

    static InJvmKafka kafka;
    static LoopbackPostgres postgres;
    static ModelServer server;
    static RandomForest forest;
    static ExplanationService service;
    static ExecutorService sinkThreads;
    static KafkaProducer<byte[], byte[]> logger;
    static Replica a;
    static Replica b;

    /** One replica: its partition of the input topic, its own pairing window, its own sinks. */
    static final class Replica implements AutoCloseable {
        final int partition;
        final KafkaConsumer<byte[], byte[]> consumer;
        final KafkaExplanationSink kafkaSink;
        final KafkaIngressHandler handler;
        final List<String> deadLettered = new ArrayList<>();

        Replica(int partition) {
            this.partition = partition;
            consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "auto.offset.reset", "earliest", "enable.auto.commit", "false", "max.poll.records", "1"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.assign(List.of(new TopicPartition(IN, partition)));
            kafkaSink = KafkaExplanationSink.create(kafka.bootstrapServers(), OUT, Map.of());
            InferenceEventDecoder decoder = new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT);
            EventIngress ingress = new EventIngress(decoder, new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()),
                    new ServiceEventExplainer(service), new ExplanationPublisher(List.of(
                            new PostgresExplanationSink(postgres.dataSource(), sinkThreads), kafkaSink),
                            Duration.ofSeconds(30)), 2, Duration.ofSeconds(120), 1, Clock.systemUTC());
            handler = new KafkaIngressHandler(decoder, ingress, (d, status, category, reason) -> {
                deadLettered.add(d.position() + " " + status + " " + reason);
                return CompletableFuture.completedFuture(null);
            }, new KafkaIngressHandler.Backoff(Duration.ofMillis(50), Duration.ofMillis(200)));
        }

        /** Reads the next record of this replica's partition and handles it as the Kafka ingress does. */
        CompletableFuture<KafkaIngressHandler.Outcome> next() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    return handler.process(new KafkaIngressHandler.Delivery(r.topic(), r.partition(), r.offset(), r.key(),
                            r.headers(), r.value(), r.timestamp())).toCompletableFuture();
                }
            }
            throw new AssertionError("no record on partition " + partition);
        }

        @Override
        public void close() {
            handler.close();
            consumer.close();
            kafkaSink.close();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        kafka = InJvmKafka.start();
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(IN, 2, (short) 1), new NewTopic(OUT, 2, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        postgres = LoopbackPostgres.start();
        Flyway.configure().dataSource(postgres.dataSource()).locations("classpath:db/migration").load().migrate();
        forest = RandomForest.train(dev.anchorwatch.model.RandomForestTest.adult("adult_train.csv"),
                RandomForest.Params.DEFAULTS.withTrees(10).withSeed(3), null);
        server = ModelServer.builder().host("127.0.0.1").port(0).model("adult", forest).start();
        ExplainerRegistry registry = new ExplainerRegistry();
        registry.register(ExplainerFactory.create(SpecLoader.loadResource("demo/adult.yaml",
                SpecLoader.predictorUrl(server.baseUrl()))));
        service = new ExplanationService(registry, 2, 4, 10);
        sinkThreads = Executors.newFixedThreadPool(2);
        logger = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
        a = new Replica(0);
        b = new Replica(1);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, logger}) {
            if (c != null) {
                c.close();
            }
        }
        if (service != null) {
            service.close();
            service.registry().close();
        }
        if (sinkThreads != null) {
            sinkThreads.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A logger event as a KafkaSink writes it: null key, ce_ headers, the client's body; on the given partition. */
    static void log(String id, String type, int partition, String body) throws Exception {
        logger.send(new ProducerRecord<byte[], byte[]>(IN, partition, (byte[]) null, body.getBytes(StandardCharsets.UTF_8),
                KafkaLoggerEvents.headers(SOURCE, id, type, "adult", "application/json"))).get(30, TimeUnit.SECONDS);
    }

    static String request(double[] row) {
        return "{\"instances\": [" + Arrays.toString(Arrays.stream(row).mapToLong(v -> (long) v).toArray()) + "]}";
    }

    static String response(int served) {
        return "{\"predictions\": [" + served + "]}";
    }

    /** served_prediction, explained_prediction and prediction_mismatch of the inference's one row. */
    static Object[] row(String inferenceId) throws Exception {
        try (Connection c = postgres.dataSource().getConnection();
                PreparedStatement s = c.prepareStatement("select served_prediction::text, explained_prediction::text,"
                        + " prediction_mismatch, (select count(*) from explanation where inference_id = ?)"
                        + " from explanation where inference_id = ?")) {
            s.setString(1, inferenceId);
            s.setString(2, inferenceId);
            ResultSet rs = s.executeQuery();
            assertTrue(rs.next(), "an explanation row for " + inferenceId);
            assertEquals(1, rs.getInt(4), "one row per inference");
            return new Object[] {rs.getString(1), rs.getString(2), rs.getObject(3)};
        }
    }

    static void handled(CompletableFuture<KafkaIngressHandler.Outcome> outcome) throws Exception {
        assertEquals(KafkaIngressHandler.Outcome.HANDLED, outcome.get(120, TimeUnit.SECONDS));
    }

    static double[] ROW_A = {52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9};
    static double[] ROW_B = {39, 7, 1, 1, 1, 1, 4, 1, 2174, 0, 40, 9};
    static double[] ROW_C = {50, 6, 1, 0, 5, 0, 4, 1, 0, 0, 13, 9};

    @Test
    void theServedPredictionReachesTheExplanationWhicheverReplicaAndOrder() throws Exception {
        int predictedA = forest.predict(ROW_A);
        int predictedB = forest.predict(ROW_B);
        int predictedC = forest.predict(ROW_C);

        // 1. the request on replica A is explained and published; then its response reaches replica B
        log("x-1", InferenceEvent.REQUEST_TYPE, 0, request(ROW_A));
        handled(a.next());
        assertEquals(Arrays.asList(null, Integer.toString(predictedA), null), Arrays.asList(row("x-1")),
                "explained, the served prediction not yet known");
        log("x-1", InferenceEvent.RESPONSE_TYPE, 1, response(predictedA));
        handled(b.next());
        assertEquals(Arrays.asList(Integer.toString(predictedA), Integer.toString(predictedA), false),
                Arrays.asList(row("x-1")), "merged by inference id from the other replica");

        // 2. the response first, on replica B, which never sees the request; the model served another class than
        // the explainer later sees (the model changed in between): the flag says so
        log("x-2", InferenceEvent.RESPONSE_TYPE, 1, response(1 - predictedB));
        handled(b.next());
        log("x-2", InferenceEvent.REQUEST_TYPE, 0, request(ROW_B));
        handled(a.next());
        assertEquals(Arrays.asList(Integer.toString(1 - predictedB), Integer.toString(predictedB), true),
                Arrays.asList(row("x-2")), "the response recorded first is copied onto the explanation");

        // 3. both at once, one on each replica
        log("x-3", InferenceEvent.REQUEST_TYPE, 0, request(ROW_C));
        log("x-3", InferenceEvent.RESPONSE_TYPE, 1, response(predictedC));
        CompletableFuture<KafkaIngressHandler.Outcome> requestOnA = a.next();
        CompletableFuture<KafkaIngressHandler.Outcome> responseOnB = b.next();
        handled(requestOnA);
        handled(responseOnB);
        assertEquals(Arrays.asList(Integer.toString(predictedC), Integer.toString(predictedC), false),
                Arrays.asList(row("x-3")));

        // 4. a copy of the response, redelivered to replica A after all that, changes nothing
        log("x-2", InferenceEvent.RESPONSE_TYPE, 0, response(1 - predictedB));
        handled(a.next());
        assertEquals(Arrays.asList(Integer.toString(1 - predictedB), Integer.toString(predictedB), true),
                Arrays.asList(row("x-2")), "still one row, the same served prediction and flag");

        assertTrue(a.deadLettered.isEmpty() && b.deadLettered.isEmpty(), a.deadLettered + " " + b.deadLettered);

        // Kafka: per inference one explanation event and, where the served prediction could not travel inside it,
        // the documented update event, both keyed by the inference id
        try (KafkaLoggerEvents reader = new KafkaLoggerEvents(kafka.bootstrapServers())) {
            List<ConsumerRecord<byte[], byte[]>> out = reader.readAll(OUT, Duration.ofSeconds(30), got -> got.stream()
                    .filter(r -> "dev.anchorwatch.explanation".equals(KafkaLoggerEvents.header(r, "ce_type")))
                    .count() >= 3 && got.stream().filter(r -> "dev.anchorwatch.explanation.served"
                            .equals(KafkaLoggerEvents.header(r, "ce_type"))).count() >= 2);
            for (ConsumerRecord<byte[], byte[]> r : out) {
                assertEquals(KafkaLoggerEvents.header(r, "ce_subject"), new String(r.key(), StandardCharsets.UTF_8),
                        "keyed by the inference id");
            }
            assertEquals(List.of("x-1", "x-2", "x-3"), out.stream()
                    .filter(r -> "dev.anchorwatch.explanation".equals(KafkaLoggerEvents.header(r, "ce_type")))
                    .map(r -> KafkaLoggerEvents.header(r, "ce_subject")).sorted().toList());
            ConsumerRecord<byte[], byte[]> update = out.stream()
                    .filter(r -> "dev.anchorwatch.explanation.served".equals(KafkaLoggerEvents.header(r, "ce_type"))
                            && "x-1".equals(KafkaLoggerEvents.header(r, "ce_subject")))
                    .findFirst().orElseThrow(() -> new AssertionError("no served update for x-1"));
            String explanationId = ExplanationIds.explanationId(SOURCE, "x-1", InferenceEvent.REQUEST_TYPE);
            // every attribute docs/events.md lists for the update
            assertEquals(ExplanationIds.explanationId(SOURCE, "x-1", InferenceEvent.RESPONSE_TYPE),
                    KafkaLoggerEvents.header(update, "ce_id"), "derived from the response event");
            assertEquals("/anchorwatch/default/adult", KafkaLoggerEvents.header(update, "ce_source"));
            assertEquals("adult", KafkaLoggerEvents.header(update, "ce_inferenceservicename"));
            assertEquals("default", KafkaLoggerEvents.header(update, "ce_namespace"));
            assertEquals("x-1", KafkaLoggerEvents.header(update, "ce_partitionkey"));
            assertEquals(explanationId, KafkaLoggerEvents.header(update, "ce_explanationid"));
            assertNotNull(KafkaLoggerEvents.header(update, "ce_time"));
            JsonNode data = JSON.readTree(update.value());
            assertEquals(JSON.readTree("{\"inference_id\": \"x-1\", \"explanation_id\": \"" + explanationId
                    + "\", \"served_prediction\": " + predictedA + "}"), data);
            // the explanation it completes has that id, in the same partition of the output topic
            ConsumerRecord<byte[], byte[]> explanation = out.stream()
                    .filter(r -> "dev.anchorwatch.explanation".equals(KafkaLoggerEvents.header(r, "ce_type"))
                            && "x-1".equals(KafkaLoggerEvents.header(r, "ce_subject"))).findFirst().orElseThrow();
            assertEquals(explanationId, KafkaLoggerEvents.header(explanation, "ce_id"));
            assertEquals(explanation.partition(), update.partition());
        }
    }
}
