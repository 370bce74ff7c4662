package dev.anchorwatch.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Proves that the in-JVM Kafka and the embedded PostgreSQL really run, on loopback, under Quarkus. */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(PostgresTestResource.class)
class RealPartsTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /* Instance<>, not a plain injection point: the datasource is inactive unless a test resource activates it,
       and a plain injection point makes Quarkus create it at start in every @QuarkusTest. */
    @Inject
    Instance<AgroalDataSource> dataSource;

    @Test
    void kafkaRoundTrip() throws Exception {
        assertTrue(bootstrap.startsWith("127.0.0.1:"), bootstrap);
        Map<String, Object> common = Map.of("bootstrap.servers", bootstrap);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "acks", "all"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("real-parts", "k", "hello")).get();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                "bootstrap.servers", bootstrap, "group.id", "real-parts", "auto.offset.reset", "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("real-parts"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, String> r : records) {
                    assertEquals("k", r.key());
                    assertEquals("hello", r.value());
                    return;
                }
            }
        }
        throw new AssertionError("no record came back from the in-JVM broker" + common);
    }

    @Test
    void postgresAnswers() throws Exception {
        try (Connection c = dataSource.get().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select version(), inet_server_addr()::text")) {
            assertTrue(rs.next());
            assertTrue(rs.getString(1).startsWith("PostgreSQL"), rs.getString(1));
            assertTrue(rs.getString(2).startsWith("127.0.0.1"), rs.getString(2));
        }
    }
}
