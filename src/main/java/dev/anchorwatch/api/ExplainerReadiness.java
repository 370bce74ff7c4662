package dev.anchorwatch.api;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.anchorwatch.explain.ExplanationService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Ready when explainers are loaded; reports the models and the free explanation places. */
@Readiness
@ApplicationScoped
public class ExplainerReadiness implements HealthCheck {
    @Inject
    ExplanationService service;

    @Override
    public HealthCheckResponse call() {
        var models = service.registry().names();
        return HealthCheckResponse.named("explainers")
                .status(!models.isEmpty())
                .withData("models", String.join(",", models))
                .withData("free_places", service.freeCapacity())
                .build();
    }
}
