package dev.anchorwatch.ingest;

import java.time.Duration;

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

    /** Most instances (rows) in one request event. */
    @WithDefault("1000")
    int maxInstances();

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

    interface PairingWindow {
        /** Most (source, id) pairs remembered; the oldest are forgotten beyond it. */
        @WithDefault("10000")
        int maxEntries();

        /** How long a pair is remembered after its first event. */
        @WithDefault("10m")
        Duration ttl();
    }

    default InferenceEventDecoder.Limits limits() {
        return new InferenceEventDecoder.Limits(maxBodyBytes(), maxInflatedBytes(), maxInstances());
    }
}
