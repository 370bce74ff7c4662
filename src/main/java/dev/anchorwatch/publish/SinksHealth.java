package dev.anchorwatch.publish;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

import io.smallrye.health.api.HealthGroup;

/**
 * {@code sinks}, in the health group {@code events} ({@code /q/health/group/events}), never in readiness (which
 * is for {@code :explain}, needing no sink): DOWN while the PostgreSQL sink's schema is not migrated (database
 * unreachable since start) or its last write failed transiently; the event path then answers 503 and the
 * Kafka ingress retries. Lists the enabled sinks.
 */
@HealthGroup("events")
@ApplicationScoped
public class SinksHealth implements HealthCheck {

    @Inject
    SinkWiring wiring;

    @Inject
    ExplanationPublisher publisher;

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("sinks").withData("enabled", String.join(",", publisher.sinkNames()));
        boolean up = true;
        var postgres = wiring.postgresSink();
        if (postgres.isPresent()) {
            PostgresExplanationSink.Health h = postgres.get().health();
            b.withData("postgres_migrated", h.migrated());
            h.lastError().ifPresent(e -> b.withData("postgres_error", e));
            up = h.migrated() && h.lastError().isEmpty();
        }
        return b.status(up).build();
    }
}
