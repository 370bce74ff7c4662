package dev.anchorwatch.api;


import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.ingest.Pairing;
import dev.anchorwatch.publish.ExplanationPublisher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Registers, at start, the gauges that read the service's state (the workers; the pairing window and the Kafka ingress register their own) and the
 * counters of every model and sink at zero, so that every series a dashboard or alert queries exists from the
 * first scrape (a rate over a series that does not exist yet is no data, not zero).
 */
@Singleton
public class MetricsWiring {

    void onStart(@Observes StartupEvent ev, ServiceMetrics metrics, ExplanationService service, Pairing pairing,
                 ExplanationPublisher publisher,
                 @ConfigProperty(name = "anchorwatch.ingest.kafka.enabled", defaultValue = "false") boolean kafkaEnabled) {
        MeterRegistry registry = metrics.registry();
        Gauge.builder(ServiceMetrics.WORKERS_BUSY, service, ExplanationService::busy).strongReference(true)
                .description("Explanations running now").register(registry);
        Gauge.builder(ServiceMetrics.WORKERS_QUEUED, service, ExplanationService::queued).strongReference(true)
                .description("Explanations admitted and waiting for a worker").register(registry);
        Gauge.builder("anchorwatch.workers.max", service, ExplanationService::workers).strongReference(true)
                .description("Explanation workers (explanations that can run at once)").register(registry);
        for (String model : service.registry().names()) {
            service.registry().find(model).ifPresent(e -> metrics.registerModel(model, e.spec().type().label()));
        }
        publisher.sinkNames().forEach(metrics::registerSink);

        // the pairing window's meters are registered with the window itself (IngestWiring)

        // the Kafka ingress's lag and idle gauges are registered by the ingress itself (KafkaIngress)

        // the series alerts and dashboards divide by or rate over, at zero
        metrics.ingestEvents("http", "request", "explained");
        metrics.ingestEvents("http", "request", "refused");
        metrics.ingestEvents("http", "request", "retried");
        metrics.deadLetters("http", "malformed");
        metrics.deadLetters("http", "unexplainable");
        metrics.kafkaRetries("unavailable");
        metrics.rejectedCounter("explain", "busy");
        if (kafkaEnabled) {
            metrics.ingestEvents("kafka", "request", "explained");
            metrics.deadLetters("kafka", "malformed");
        }
    }
}
