package dev.anchorwatch.testsupport;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** In tests, spans go to memory (quarkus.otel.traces.exporter=cdi picks this bean up), never to a collector. */
@Singleton
public class InMemoryTracing {

    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
