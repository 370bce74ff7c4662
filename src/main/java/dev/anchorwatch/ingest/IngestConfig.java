package dev.anchorwatch.ingest;

import java.time.Duration;
import java.util.Map;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds on input events and on the request/response pairing window. */
@ConfigMapping(prefix = "anchorwatch.ingest")
public interface IngestConfig {

    /** How the HTTP ingress acknowledges a handled request event. */
    enum AckMode {
        /**
         * Publish to the configured sinks, then answer 202 with no body: the broker has nothing to republish.
         */
        SINK,
        /**
         * Publish to the configured sinks, then answer 200 with the explanation CloudEvent (HTTP binary mode), which
         * a Knative broker republishes so that a Trigger routes it on. A duplicate of a handled request is answered
         * with the same event again.
         */
        REPLY
    }

    /** {@code sink} (202, no body) or {@code reply} (200 with the explanation CloudEvent). */
    @WithDefault("sink")
    AckMode ackMode();

    /** Largest event body accepted, as received. */
    @WithDefault("10485760")
    int maxBodyBytes();

    /** Largest event body once gunzipped. */
    @WithDefault("20971520")
    int maxInflatedBytes();

    /** Explanations running at once; beyond it requests are answered 429 with Retry-After. */
    @WithDefault("4")
    int maxConcurrent();

    /** Longest time for one explanation; beyond it the input is answered 503 and redelivered. */
    @WithDefault("120s")
    Duration explainTimeout();

    /** Retry-After, in seconds, of a 429. */
    @WithDefault("5")
    int retryAfterSeconds();

    PairingWindow pairing();

    Kafka kafka();

    /**
     * The Kafka ingress (SmallRye channel {@code inference-events}). Its connector settings live under
     * {@code mp.messaging.incoming.inference-events.*} and read these keys (application.properties).
     */
    interface Kafka {
        /** Consume logger events from Kafka; off by default, so nothing connects to a broker unless asked. */
        @WithDefault("false")
        boolean enabled();

        /** Topic of logger events, CloudEvents in binary ({@code ce_*} headers) or structured mode. */
        @WithDefault("anchorwatch.inference-events")
        String topic();

        /** Consumer group: replicas in one group share the topic's partitions. */
        @WithDefault("anchorwatch")
        String groupId();

        /** Where poison records go, with the reason in a header. */
        @WithDefault("anchorwatch.inference-events.dlq")
        String deadLetterTopic();

        /** Records handled at once by one replica (the rest wait in the consumer, which then stops fetching). */
        @WithDefault("4")
        int concurrency();

        /** First wait before handling a record again after a transient failure (busy, predictor or sink down). */
        @WithDefault("500ms")
        Duration initialBackoff();

        /** Each further wait is the previous one times this factor (at least 1). */
        @WithDefault("2.0")
        double backoffFactor();

        /** Longest wait between two attempts at a record. */
        @WithDefault("30s")
        Duration maxBackoff();

        /**
         * A record still failing transiently this long after its first attempt in this replica is dead-lettered
         * with reason {@code max_age}, so that no record holds its partition's committed offset for longer.
         */
        @WithDefault("10m")
        Duration maxAge();

        /**
         * Largest dead-letter record (key, value and headers); larger copies are truncated, with the original's
         * topic, partition, offset and size in headers. Keep it below the dead-letter topic's
         * {@code max.message.bytes} (broker default 1048588) and the producer's {@code max.request.size}.
         */
        @WithDefault("1000000")
        int deadLetterMaxBytes();

        /**
         * The health check {@code kafka-ingress} (group {@code events}) goes DOWN when records wait and none was
         * finished (handled or dead-lettered) for this long.
         */
        @WithDefault("5m")
        Duration stallAfter();

        /** How often the ingress reads its lag (records waiting) from the consumer. */
        @WithDefault("5s")
        Duration lagInterval();

        /** Extra properties of the dead-letter producer, e.g. {@code ...dead-letter-producer."compression.type"=zstd}. */
        Map<String, String> deadLetterProducer();
    }

    interface PairingWindow {
        /** Most (source, id) pairs remembered; the oldest are forgotten beyond it. */
        @WithDefault("100000")
        int maxEntries();

        /** Most bytes (estimated heap) remembered for all pairs; the oldest are forgotten beyond it. */
        @WithDefault("32M")
        io.quarkus.runtime.configuration.MemorySize maxBytes();

        /** Largest served prediction (JSON text of the first row) kept from a response; a larger one is dropped. */
        @WithDefault("4096")
        int maxServedBytes();

        /**
         * Largest published record remembered for a duplicate in reply mode; a larger one is not kept, and a
         * redelivery is explained again (the same event, deterministically).
         */
        @WithDefault("262144")
        int maxRecordBytes();

        /** How long a pair is remembered after its first event. */
        @WithDefault("10m")
        Duration ttl();
    }

    /**
     * The decoder's limits; the most instances per event is the one setting {@code anchorwatch.explain.max-instances},
     * so that every event the decoder accepts can be explained.
     */
    default InferenceEventDecoder.Limits limits(int maxInstances) {
        return new InferenceEventDecoder.Limits(maxBodyBytes(), maxInflatedBytes(), maxInstances);
    }
}
