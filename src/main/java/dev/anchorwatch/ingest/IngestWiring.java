package dev.anchorwatch.ingest;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.anchorwatch.publish.ExplanationPublisher;

/** The decoder, the pairing window and the ingress logic, from {@link IngestConfig}. */
@ApplicationScoped
public class IngestWiring {

    @Produces
    @Singleton
    InferenceEventDecoder decoder(IngestConfig config) {
        return new InferenceEventDecoder(config.limits());
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
    Pairing pairing(IngestConfig config) {
        return new Pairing(config.pairing().maxEntries(), config.pairing().ttl(), Clock.systemUTC());
    }
}
