package dev.anchorwatch.publish;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;

/** Turns an {@link ExplanationRecord} into the output CloudEvent of contract 2. */
public final class ExplanationEvents {

    public static final String CONTENT_TYPE = "application/json";
    public static final String EXT_INFERENCE_SERVICE = "inferenceservicename";
    public static final String EXT_NAMESPACE = "namespace";
    public static final String EXT_EXPLAINER = "explainer";
    public static final String EXT_PARTITION_KEY = "partitionkey";
    /** Set once the served prediction is known: whether it differs from the one the explainer saw. */
    public static final String EXT_PREDICTION_MISMATCH = "predictionmismatch";
    /** On {@code dev.anchorwatch.explanation.failed} events only: why no explanation was made. */
    public static final String EXT_REASON = "reason";

    private ExplanationEvents() {
    }

    /**
     * The output event: id = explanation id, source = {@code /anchorwatch/{namespace}/{model}} (namespace "-" when
     * unknown), subject = inference id, time = creation time, data = the explanation JSON, and the extensions
     * {@code inferenceservicename}, {@code namespace}, {@code explainer}, {@code partitionkey} (= inference id) and,
     * for failures, {@code reason}.
     */
    public static CloudEvent toCloudEvent(ExplanationRecord r) {
        CloudEventBuilder b = CloudEventBuilder.v1()
                .withId(r.explanationId())
                .withSource(source(r.namespace(), r.model()))
                .withType(r.type())
                .withSubject(r.inferenceId())
                .withTime(r.createdAt().atOffset(ZoneOffset.UTC))
                .withData(CONTENT_TYPE, r.body())
                .withExtension(EXT_INFERENCE_SERVICE, r.model())
                .withExtension(EXT_EXPLAINER, r.explainer())
                .withExtension(EXT_PARTITION_KEY, r.inferenceId());
        // a string, as binary-mode transports (HTTP and Kafka headers) carry it and read it back
        r.predictionMismatch().ifPresent(m -> b.withExtension(EXT_PREDICTION_MISMATCH, m.toString()));
        if (r.namespace() != null) {
            b.withExtension(EXT_NAMESPACE, r.namespace());
        }
        if (r.failureReason() != null) {
            b.withExtension(EXT_REASON, r.failureReason());
        }
        return b.build();
    }

    /** On {@code dev.anchorwatch.explanation.served} events: the id of the explanation the update completes. */
    public static final String EXT_EXPLANATION_ID = "explanationid";

    /**
     * The update event for a served prediction that arrived after its explanation was published, or in another
     * replica: type {@value ServedPrediction#TYPE}, id derived from the response event, source as the
     * explanation's, subject = inference id, extensions {@code inferenceservicename}, {@code namespace},
     * {@code partitionkey} (= inference id) and {@code explanationid}; data
     * {@code {"inference_id": ..., "explanation_id": ..., "served_prediction": <JSON>}}. It may come before or
     * after the explanation event: consumers merge the two by subject (or Kafka key).
     */
    public static CloudEvent toServedEvent(ServedPrediction s) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode data = json.createObjectNode();
        data.put("inference_id", s.inferenceId());
        data.put("explanation_id", s.explanationId());
        try {
            data.set("served_prediction", json.readTree(s.servedPrediction()));
        } catch (java.io.IOException e) {
            data.put("served_prediction", s.servedPrediction());
        }
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(data);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        CloudEventBuilder b = CloudEventBuilder.v1()
                .withId(s.eventId())
                .withSource(source(s.namespace(), s.model()))
                .withType(ServedPrediction.TYPE)
                .withSubject(s.inferenceId())
                .withTime(s.receivedAt().atOffset(ZoneOffset.UTC))
                .withData(CONTENT_TYPE, bytes)
                .withExtension(EXT_INFERENCE_SERVICE, s.model())
                .withExtension(EXT_PARTITION_KEY, s.inferenceId())
                .withExtension(EXT_EXPLANATION_ID, s.explanationId());
        if (s.namespace() != null) {
            b.withExtension(EXT_NAMESPACE, s.namespace());
        }
        return b.build();
    }

    public static URI source(String namespace, String model) {
        return URI.create("/anchorwatch/" + segment(namespace == null ? "-" : namespace) + "/" + segment(model));
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
