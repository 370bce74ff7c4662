package dev.anchorwatch.ingest;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Bounds on input events and on the request/response pairing window. */
@ConfigMapping(prefix = "anchorwatch.ingest")
public interface IngestConfig {

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
