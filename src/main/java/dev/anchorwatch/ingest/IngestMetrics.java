package dev.anchorwatch.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The HTTP paths' meters, with the names every engineer agreed on: {@code anchorwatch.admission.rejected{path,
 * reason}} for every 429 and 413, {@code anchorwatch.ingest.events{source=http, type, outcome}} for every event
 * answered on {@code /}, and {@code anchorwatch.deadletters{source=http, reason}} for every permanent refusal
 * (the broker's Trigger sends those to its dead-letter sink).
 */
@Singleton
public class IngestMetrics {

    private final MeterRegistry registry;

    @Inject
    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void rejected(String path, String reason) {
        registry.counter("anchorwatch.admission.rejected", "path", path, "reason", reason).increment();
    }

    /**
     * Counts one event answered on {@code /}.
     *
     * @param ceType the {@code ce-type} header, or null (structured mode, or none)
     */
    public void httpEvent(String ceType, EventIngress.Reply reply) {
        String type = InferenceEvent.REQUEST_TYPE.equals(ceType) ? "request"
                : InferenceEvent.RESPONSE_TYPE.equals(ceType) ? "response" : "other";
        int status = reply.status();
        String outcome;
        if (status == 429 || status == 413) {
            rejected("ingest", reply.reason() != null ? reply.reason() : status == 413 ? "too_large" : "busy");
        }
        if (status < 300) {
            String m = reply.message() == null ? "" : reply.message();
            outcome = m.startsWith("duplicate") ? "duplicate" : m.startsWith("response") ? "paired" : "explained";
        } else if (status == 429 || status >= 503) {
            outcome = "retried";
        } else {
            outcome = "dead_lettered";
            registry.counter("anchorwatch.deadletters", "source", "http", "reason", deadLetterReason(status)).increment();
        }
        registry.counter("anchorwatch.ingest.events", "source", "http", "type", type, "outcome", outcome).increment();
    }

    static String deadLetterReason(int status) {
        return switch (status) {
            case 400 -> "malformed";
            case 401 -> "unauthorized";
            case 413 -> "too_large";
            case 422 -> "unexplainable";
            case 502 -> "sink_refused";
            default -> "http_" + status;
        };
    }
}
