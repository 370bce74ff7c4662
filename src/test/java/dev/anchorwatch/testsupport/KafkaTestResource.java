package dev.anchorwatch.testsupport;

import java.util.Locale;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a real Kafka for a {@code @QuarkusTest} and sets {@code kafka.bootstrap.servers}.
 *
 * <p>Which Kafka is chosen by the system property {@code anchorwatch.test.kafka}:
 * <ul>
 * <li>{@code in-jvm} (default): {@link InJvmKafka}, a KRaft broker inside the test JVM; needs no Docker;</li>
 * <li>{@code testcontainers}: {@link ContainerKafka}, the apache/kafka image, which needs a Docker engine;</li>
 * <li>{@code auto}: Testcontainers when a Docker engine answers, else in-JVM.</li>
 * </ul>
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String MODE_PROPERTY = "anchorwatch.test.kafka";

    private AutoCloseable running;

    @Override
    public Map<String, String> start() {
        String mode = System.getProperty(MODE_PROPERTY, "in-jvm").toLowerCase(Locale.ROOT);
        try {
            String bootstrap;
            boolean container = switch (mode) {
                case "in-jvm" -> false;
                case "testcontainers" -> true;
                case "auto" -> ContainerKafka.dockerAvailable();
                default -> throw new IllegalArgumentException(MODE_PROPERTY + " must be in-jvm, testcontainers or auto, not " + mode);
            };
            if (container) {
                ContainerKafka kafka = ContainerKafka.start();
                running = kafka;
                bootstrap = kafka.bootstrapServers();
            } else {
                InJvmKafka kafka = InJvmKafka.start();
                running = kafka;
                bootstrap = kafka.bootstrapServers();
            }
            return Map.of("kafka.bootstrap.servers", bootstrap);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start Kafka for tests", e);
        }
    }

    @Override
    public void stop() {
        if (running != null) {
            try {
                running.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not stop Kafka", e);
            } finally {
                running = null;
            }
        }
    }
}
