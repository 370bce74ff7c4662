package dev.anchorwatch.ingest;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The decoder and the pairing window, from {@link IngestConfig}. */
@ApplicationScoped
public class IngestWiring {

    @Produces
    @Singleton
    InferenceEventDecoder decoder(IngestConfig config) {
        return new InferenceEventDecoder(config.limits());
    }

    @Produces
    @Singleton
    Pairing pairing(IngestConfig config) {
        return new Pairing(config.pairing().maxEntries(), config.pairing().ttl(), Clock.systemUTC());
    }
}
