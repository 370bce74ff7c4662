package dev.anchorwatch.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a native image needs registered beyond Quarkus' own: the CloudEvents SDK finds its JSON event format
 * through {@link java.util.ServiceLoader} and instantiates it reflectively, and Jackson serialises the CloudEvent
 * data wrappers by reflection. Everything else Anchorwatch reads or writes as JSON goes through Jackson trees
 * ({@code JsonNode}), which need no reflection. Used only by {@code -Pnative}; harmless in JVM mode.
 */
@RegisterForReflection(targets = {
        io.cloudevents.jackson.JsonFormat.class,
        io.cloudevents.core.data.BytesCloudEventData.class,
        io.cloudevents.jackson.JsonCloudEventData.class,
        io.cloudevents.core.v1.CloudEventV1.class
})
final class NativeRegistrations {
    private NativeRegistrations() {
    }
}
