package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * With no configuration the service boots without Kafka or PostgreSQL and logs explanations only: other
 * {@code @QuarkusTest}s need neither.
 */
@QuarkusTest
class DefaultSinksTest {

    @Inject
    ExplanationPublisher publisher;

    @Test
    void logOnlyByDefault() {
        assertEquals(List.of("log", "viewer-memory"), publisher.sinkNames());
        publisher.publish(Samples.explanation("inf-default-1")).toCompletableFuture().join();
    }
}
