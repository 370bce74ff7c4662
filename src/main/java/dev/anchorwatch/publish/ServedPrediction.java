package dev.anchorwatch.publish;

import java.time.Instant;
import java.util.Objects;

/**
 * What the model served for one inference (from the logger's response event), handed to the sinks when it
 * cannot travel inside the explanation: the response reached this replica after the explanation was published,
 * or its request is explained elsewhere (a KafkaSink writes logger events with a null key, so a request and its
 * response may land on different partitions and replicas). Sinks with a durable store merge it by inference id;
 * event sinks publish a small update event ({@link #TYPE}).
 *
 * @param eventId          the update's own id, derived from the response event (same response, same id)
 * @param inferenceId      the inference id (the {@code ce-id} request and response share)
 * @param explanationId    the id the explanation of this inference has, or will have
 * @param model            the InferenceService name
 * @param namespace        its namespace, or null
 * @param servedPrediction the prediction as JSON text
 * @param receivedAt       when the response was received
 */
public record ServedPrediction(String eventId, String inferenceId, String explanationId, String model, String namespace,
        String servedPrediction, Instant receivedAt) {

    /** The CloudEvents type of the update event. */
    public static final String TYPE = "dev.anchorwatch.explanation.served";

    public ServedPrediction {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(inferenceId, "inferenceId");
        Objects.requireNonNull(explanationId, "explanationId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(servedPrediction, "servedPrediction");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** Whether the served prediction differs from an explained one (JSON text); empty while either is unknown. */
    public java.util.Optional<Boolean> mismatch(String explainedPrediction) {
        return ExplanationRecord.mismatch(servedPrediction, explainedPrediction);
    }
}
