package dev.anchorwatch.api;

import java.util.Collection;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.ingest.KafkaIngress;
import dev.anchorwatch.ingest.Pairing;
import dev.anchorwatch.publish.ExplanationPublisher;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

/**
 * Registers, at start, the gauges that read the service's state (workers, pairing window, Kafka ingress) and the
 * counters of every model and sink at zero, so that every series a dashboard or alert queries exists from the
 * first scrape (a rate over a series that does not exist yet is no data, not zero).
 */
@Singleton
public class MetricsWiring {

    /** The Kafka client's per-partition lag, as Quarkus' Micrometer Kafka binder names it. */
    static final String CLIENT_LAG = "kafka.consumer.fetch.manager.records.lag";

    void onStart(@Observes StartupEvent ev, ServiceMetrics metrics, ExplanationService service, Pairing pairing,
                 ExplanationPublisher publisher, Instance<KafkaIngress> kafka,
                 @ConfigProperty(name = "anchorwatch.ingest.kafka.enabled", defaultValue = "false") boolean kafkaEnabled,
                 @ConfigProperty(name = "anchorwatch.ingest.kafka.topic", defaultValue = "") String topic) {
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

        Gauge.builder(ServiceMetrics.KAFKA_LAG, registry, r -> kafkaEnabled ? lag(r, topic) : 0).strongReference(true)
                .description("Records of the ingress topic not consumed yet (0 when the Kafka ingress is off)")
                .register(registry);
        Gauge.builder(ServiceMetrics.KAFKA_IDLE, registry, r -> {
            if (!kafkaEnabled || lag(r, topic) <= 0 || !kafka.isResolvable()) {
                return 0;
            }
            return kafka.get().secondsSinceProgress();
        }).strongReference(true).baseUnit("seconds")
                .description("Seconds since the Kafka ingress last finished a record, while records wait (0 otherwise)")
                .register(registry);

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

    /** Sum of the consumer's per-partition lag on {@code topic}, as the Kafka client reports it. */
    static double lag(MeterRegistry registry, String topic) {
        Collection<Gauge> gauges = registry.find(CLIENT_LAG).gauges();
        double sum = 0;
        for (Gauge g : gauges) {
            Meter.Id id = g.getId();
            String t = id.getTag("topic");
            if (t != null && !t.equals(topic) && !t.equals(topic.replace('.', '_'))) {
                continue;
            }
            double v = g.value();
            if (!Double.isNaN(v) && v > 0) {
                sum += v;
            }
        }
        return sum;
    }
}
