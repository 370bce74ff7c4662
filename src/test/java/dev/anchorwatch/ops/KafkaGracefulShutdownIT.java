package dev.anchorwatch.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.AdultRows;
import dev.anchorwatch.testsupport.InJvmKafka;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;
import dev.anchorwatch.testsupport.PackagedApp;

/**
 * The Kafka side of graceful shutdown, with real parts: the packaged app as a child JVM (Kafka ingress, Kafka sink,
 * the demo Adult model on its own loopback predictor) and the in-JVM Kafka broker. Twelve logger events wait in a
 * one-partition topic; the app explains them one instance at a time (one worker, two records in flight). SIGTERM
 * arrives while records are being explained. Then:
 * <ul>
 * <li>the process exits with status 0 within the drain time;</li>
 * <li>the group's committed offset (read with the Kafka Admin client) lies past every record whose explanation the
 * first instance published, and those records are never explained again;</li>
 * <li>its log says how many in-flight records finished (all of them) and how many were handed back;</li>
 * <li>a second instance started afterwards explains the rest: the explanations cover every inference id.</li>
 * </ul>
 */
class KafkaGracefulShutdownIT {

    static final String IN = "gs.inference-events";
    static final String OUT = "gs.explanations";
    static final String DLQ = "gs.inference-events.dlq";
    static final String GROUP = "gs-group";
    static final String SOURCE = "http://adult-predictor.default.svc.cluster.local/";
    static final int N = 12;
    static final int DRAIN_SECONDS = 40;
    static final Pattern DRAINED = Pattern.compile(
            "Kafka ingress drained in (\\d+) ms: (\\d+) of (\\d+) in-flight record\\(s\\) finished and were acknowledged; "
                    + "(\\d+) record\\(s\\) handed back");

    static String id(int i) {
        return String.format(Locale.ROOT, "gs-%02d", i);
    }

    static Map<String, String> config(String bootstrap) {
        Map<String, String> c = PackagedApp.kafkaPipelineConfig(bootstrap, IN, DLQ, GROUP, OUT);
        c.put("anchorwatch.sinks.enabled", "kafka");
        c.put("anchorwatch.ingest.kafka.concurrency", "2");
        c.put("anchorwatch.explain.workers", "1");
        c.put("anchorwatch.shutdown.drain", DRAIN_SECONDS + "s");
        c.put("quarkus.log.category.\"org.apache.kafka\".level", "WARN");
        return c;
    }

    /**
     * The output topic's explanations, read without a consumer group (assigned partition, from the start), so each
     * look costs one poll: inference id (ce_subject) to the number of records for it.
     */
    static final class Explanations implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Map<String, Integer> count = new HashMap<>();

        Explanations(String bootstrap) {
            consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", "false"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TopicPartition p = new TopicPartition(OUT, 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
        }

        /** Polls until {@code enough} ids are explained or {@code max} is over; returns a copy of the counts. */
        Map<String, Integer> read(Duration max, Set<String> enough) {
            long deadline = System.nanoTime() + max.toNanos();
            do {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    count.merge(KafkaLoggerEvents.header(r, "ce_subject"), 1, Integer::sum);
                }
            } while (!count.keySet().containsAll(enough) && System.nanoTime() < deadline);
            return Map.copyOf(count);
        }

        /** Polls for {@code time}, whatever arrives. */
        Map<String, Integer> readFor(Duration time) {
            long deadline = System.nanoTime() + time.toNanos();
            while (System.nanoTime() < deadline) {
                read(Duration.ZERO, Set.of());
            }
            return Map.copyOf(count);
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void sigtermFinishesInFlightRecordsCommitsThemAndLeavesTheRestToTheNextReplica() throws Exception {
        List<int[]> rows = AdultRows.first(N);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (InJvmKafka broker = InJvmKafka.start(); KafkaLoggerEvents kafka = new KafkaLoggerEvents(broker.bootstrapServers())) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(IN, 1, (short) 1), new NewTopic(OUT, 1, (short) 1),
                        new NewTopic(DLQ, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Long> offsetOf = new LinkedHashMap<>();
            for (int i = 0; i < N; i++) {
                byte[] body = ("{\"instances\": [" + Arrays.stream(rows.get(i), 0, 12).mapToObj(Integer::toString)
                        .collect(Collectors.joining(", ", "[", "]")) + "]}").getBytes(StandardCharsets.UTF_8);
                RecordMetadata at = kafka.send(IN, id(i), KafkaLoggerEvents.headers(SOURCE, id(i),
                        "org.kubeflow.serving.inference.request", "adult", "application/json"), body);
                offsetOf.put(id(i), at.offset());
            }
            try (Explanations out = new Explanations(broker.bootstrapServers())) {
                run(broker.bootstrapServers(), out, kafka, offsetOf, http);
            }
        }
    }

    private void run(String bootstrap, Explanations out, KafkaLoggerEvents kafka, Map<String, Long> offsetOf,
            HttpClient http) throws Exception {
        // first replica: SIGTERM once a few records are explained and others are being explained
        Map<String, Integer> beforeTerm;
        double exitSeconds;
        String firstLog;
        try (PackagedApp first = PackagedApp.start(PackagedApp.JAR, "kafka-graceful-shutdown-it-1",
                List.of("-Xmx512m"), config(bootstrap))) {
            long logOffset = Files.size(first.log());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            do {
                beforeTerm = out.read(Duration.ofMillis(100), Set.of());
            } while (beforeTerm.size() < 2 && System.nanoTime() < deadline);
            assertTrue(beforeTerm.size() >= 2 && beforeTerm.size() < N - 2,
                    "SIGTERM lands while records remain: " + beforeTerm.keySet());
            GracefulShutdownIT.awaitBusy(http, first); // an explanation is running now
            long termAt = System.nanoTime();
            first.sigterm();
            assertTrue(first.process().waitFor(DRAIN_SECONDS + 10, TimeUnit.SECONDS),
                    "the app exits within the drain time");
            exitSeconds = (System.nanoTime() - termAt) / 1e9;
            assertEquals(0, first.process().exitValue(), "a stop Kubernetes asked for exits 0");
            firstLog = Files.readString(first.log()).substring((int) logOffset);
        }

        Map<String, Integer> afterFirst = out.readFor(Duration.ofSeconds(2));
        long committed = kafka.committed(GROUP, IN, 0);
        Set<String> published = new TreeSet<>(afterFirst.keySet());
        for (String id : published) {
            assertTrue(offsetOf.get(id) < committed, id + " (offset " + offsetOf.get(id)
                    + ") was published but its offset is not committed (" + committed + ")");
        }
        assertTrue(committed < N, "the records after the in-flight ones are left uncommitted: " + committed);
        assertTrue(published.containsAll(beforeTerm.keySet()), "what was published before SIGTERM stays published");

        Matcher m = DRAINED.matcher(firstLog);
        assertTrue(m.find(), "the drain is logged: see " + firstLog);
        int finished = Integer.parseInt(m.group(2));
        int inFlight = Integer.parseInt(m.group(3));
        assertTrue(inFlight >= 1, "SIGTERM landed while records were in flight: " + m.group());
        assertEquals(inFlight, finished, "every in-flight record finished within the drain time: " + m.group());
        assertEquals(committed, published.size(), "in one partition, the records published are exactly those "
                + "below the committed offset: " + published + ", committed " + committed);
        assertTrue(firstLog.contains("Kafka ingress stopping: no new record is started, its partitions are paused"), "the pause is logged");

        // second replica: takes over from the committed offset and explains the rest
        Set<String> all = offsetOf.keySet();
        Map<String, Integer> end;
        try (PackagedApp second = PackagedApp.start(PackagedApp.JAR, "kafka-graceful-shutdown-it-2",
                List.of("-Xmx512m"), config(bootstrap))) {
            out.read(Duration.ofSeconds(90), all);
            end = out.readFor(Duration.ofSeconds(2)); // anything explained twice shows by now
        }
        assertEquals(new TreeSet<>(all), new TreeSet<>(end.keySet()), "every inference is explained");
        for (String id : published) {
            assertEquals(1, end.get(id), id + " was committed by the first replica, so never explained again");
        }
        System.out.printf(Locale.ROOT, "SIGTERM to exit 0: %.1f s; %s; committed offset %d of %d; %d explained by "
                + "the first replica, %d by the second%n", exitSeconds, m.group(), committed, N, published.size(),
                N - published.size());
    }
}
