package dev.anchorwatch.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

import io.smallrye.health.api.HealthGroup;

/**
 * {@code kafka-ingress}, in the health group {@code events} ({@code /q/health/group/events}), never in readiness:
 * DOWN when records wait in the ingress's partitions (or are held, retrying) and none was finished for
 * {@code anchorwatch.ingest.kafka.stall-after}. Restarting or unreadying the pod would not help (the cause is a
 * predictor, a sink or a broker), so it is for alerts and dashboards, beside the metric
 * {@code anchorwatch.kafka.ingress.idle.seconds}. UP, with {@code enabled=false}, when the ingress is off.
 */
@HealthGroup("events")
@ApplicationScoped
public class KafkaIngressHealth implements HealthCheck {

    @Inject
    KafkaIngress ingress;

    @Override
    public HealthCheckResponse call() {
        if (!ingress.enabled()) {
            return HealthCheckResponse.named("kafka-ingress").up().withData("enabled", false).build();
        }
        KafkaIngress.Status s = ingress.status();
        boolean stalled = s.waiting() && s.idleSeconds() >= ingress.stallAfter().toSeconds();
        return HealthCheckResponse.named("kafka-ingress").status(!stalled)
                .withData("enabled", true)
                .withData("lag", s.lag())
                .withData("in_flight", s.inFlight())
                .withData("idle_seconds", (long) s.idleSeconds())
                .withData("stall_after_seconds", ingress.stallAfter().toSeconds())
                .withData("handled", s.handled())
                .withData("dead_lettered", s.deadLettered())
                .withData("retries", s.retries())
                .build();
    }
}
