package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.KafkaTestResource;
import dev.anchorwatch.testsupport.PostgresTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Configuration selects several sinks; one publication reaches all of them (Flyway migrated at start). */
@QuarkusTest
@TestProfile(PublisherWiringTest.AllSinks.class)
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class PublisherWiringTest {

    static final Path LOG_FILE = Path.of("target", "wiring-test", "explanations.jsonl");

    public static class AllSinks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "anchorwatch.sinks.enabled", "kafka, postgres, log",
                    "anchorwatch.sinks.kafka.topic", "wiring-explanations",
                    "anchorwatch.sinks.log.file", LOG_FILE.toString(),
                    "anchorwatch.sinks.log.console", "false");
        }
    }

    @Inject
    ExplanationPublisher publisher;

    @Inject
    Instance<AgroalDataSource> dataSource;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void oneRecordReachesEveryEnabledSink() throws Exception {
        assertEquals(List.of("kafka", "postgres", "log"), publisher.sinkNames());
        long linesBefore = Files.exists(LOG_FILE) ? Files.readAllLines(LOG_FILE).size() : 0;
        ExplanationRecord r = Samples.explanation("inf-wiring-1");

        publisher.publish(r).toCompletableFuture().get(60, TimeUnit.SECONDS);

        try (Connection c = dataSource.get().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select id from explanation where inference_id = 'inf-wiring-1'");
            assertTrue(rs.next());
            assertEquals(r.explanationId(), rs.getString(1));
        }
        List<String> lines = Files.readAllLines(LOG_FILE, StandardCharsets.UTF_8);
        assertEquals(linesBefore + 1, lines.size());
        assertTrue(lines.get(lines.size() - 1).contains(r.explanationId()));

        List<ConsumerRecord<String, byte[]>> got = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "wiring", "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("wiring-explanations"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
        }
        assertEquals(1, got.size());
        assertEquals("inf-wiring-1", got.get(0).key());
    }
}
