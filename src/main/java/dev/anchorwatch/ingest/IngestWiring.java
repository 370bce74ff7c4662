package dev.anchorwatch.ingest;

import java.time.Clock;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.anchorwatch.api.AnchorwatchConfig;
import dev.anchorwatch.publish.ExplanationPublisher;

/** The decoder, the pairing window and the ingress logic, from {@link IngestConfig}. */
@ApplicationScoped
public class IngestWiring {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(IngestWiring.class);

    @Produces
    @Singleton
    InferenceEventDecoder decoder(IngestConfig config, AnchorwatchConfig anchorwatch,
                                  io.micrometer.core.instrument.MeterRegistry meters) {
        // anchorwatch.ingest.events{source, type, outcome=ignored}: GET and metadata calls the logger logs
        return new InferenceEventDecoder(config.limits(anchorwatch.explain().maxInstances()),
                (source, kind) -> meters.counter("anchorwatch.ingest.events",
                        "source", source, "type", kind == InferenceEvent.Kind.REQUEST ? "request" : "response",
                        "outcome", "ignored").increment());
    }

    @Produces
    @Singleton
    EventIngress ingress(IngestConfig config, InferenceEventDecoder decoder, Pairing pairing, EventExplainer explainer,
            ExplanationPublisher publisher, IngressObserver observer) {
        return new EventIngress(decoder, pairing, explainer, publisher, config.maxConcurrent(), config.explainTimeout(),
                config.retryAfterSeconds(), Clock.systemUTC(), config.ackMode() == IngestConfig.AckMode.REPLY)
                .observedBy(observer);
    }

    @Produces
    @Singleton
    Admission admission(AdmissionConfig config, IngestMetrics metrics) {
        Admission.Limits limits = config.limits();
        LOG.infof("admission: %d bodies decoded at once, %d MiB held by requests in flight", limits.maxDecodes(),
                limits.maxBytes() >> 20);
        return new Admission(limits, Admission.Listener.NONE); // refusals are counted where they are answered
    }

    @Produces
    @Singleton
    Pairing pairing(IngestConfig config, MeterRegistry registry) {
        IngestConfig.PairingWindow w = config.pairing();
        Pairing pairing = new Pairing(new Pairing.Limits(w.maxEntries(), w.maxBytes().asLongValue(), w.ttl(),
                w.maxServedBytes(), w.maxRecordBytes()), Clock.systemUTC(),
                reason -> registry.counter("anchorwatch.pairing.evictions", "reason", reason).increment());
        // the series dashboards rate over exist from the start, at zero
        registry.counter("anchorwatch.pairing.evictions", "reason", "bytes");
        registry.counter("anchorwatch.pairing.evictions", "reason", "ttl");
        Gauge.builder("anchorwatch.pairing.entries", pairing, p -> p.size()).strongReference(true).register(registry);
        Gauge.builder("anchorwatch.pairing.bytes", pairing, p -> p.bytes()).baseUnit("bytes").strongReference(true)
                .register(registry);
        return pairing;
    }
}
