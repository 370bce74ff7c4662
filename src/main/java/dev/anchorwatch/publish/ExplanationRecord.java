package dev.anchorwatch.publish;

import java.io.IOException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One explanation (or one failure to explain) of one inference, as every sink receives it. Immutable.
 *
 * @param explanationId       the output event id, derived from the input event ({@link ExplanationIds})
 * @param inferenceId         the inference id: the {@code ce-id} that the request and response events share
 * @param model               the InferenceService name ({@code inferenceservicename})
 * @param namespace           its Kubernetes namespace, or null when unknown
 * @param explainer           the explainer that ran, e.g. {@code AnchorTabular}
 * @param type                {@link #TYPE_EXPLANATION} or {@link #TYPE_FAILED}
 * @param failureReason       why no explanation could be made; set exactly when the type is {@link #TYPE_FAILED}
 * @param anchor              the anchor's predicates, e.g. {@code ["Age <= 28.00", "Sex = Female"]}; empty when failed
 * @param precision           the anchor's precision, or null
 * @param coverage            the anchor's coverage, or null
 * @param servedPrediction    what the model answered, as JSON text, from the paired response event; null when no
 *                            response was seen
 * @param explainedPrediction the prediction that was explained, as JSON text (the explainer's own call); may be null
 * @param timingsMs           named durations in milliseconds, e.g. {@code total}, {@code predictor}
 * @param createdAt           when the explanation was made
 * @param body                the full explanation JSON (Alibi's shape: {@code meta} + {@code data}), UTF-8
 */
public record ExplanationRecord(
        String explanationId,
        String inferenceId,
        String model,
        String namespace,
        String explainer,
        String type,
        String failureReason,
        List<String> anchor,
        Double precision,
        Double coverage,
        String servedPrediction,
        String explainedPrediction,
        Map<String, Long> timingsMs,
        Instant createdAt,
        byte[] body) {

    public static final String TYPE_EXPLANATION = "dev.anchorwatch.explanation";
    public static final String TYPE_FAILED = "dev.anchorwatch.explanation.failed";

    private static final ObjectMapper JSON = new ObjectMapper();

    public ExplanationRecord {
        requireText(explanationId, "explanationId");
        requireText(inferenceId, "inferenceId");
        requireText(model, "model");
        requireText(explainer, "explainer");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(createdAt, "createdAt");
        if (TYPE_EXPLANATION.equals(type)) {
            if (failureReason != null) {
                throw new IllegalArgumentException("an explanation has no failure reason");
            }
            Objects.requireNonNull(body, "body");
        } else if (TYPE_FAILED.equals(type)) {
            requireText(failureReason, "failureReason");
        } else {
            throw new IllegalArgumentException("type must be " + TYPE_EXPLANATION + " or " + TYPE_FAILED + ", not " + type);
        }
        anchor = anchor == null ? List.of() : List.copyOf(anchor);
        timingsMs = timingsMs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(timingsMs));
        body = body == null ? failureBody(inferenceId, explainer, failureReason) : body.clone();
    }

    public boolean failed() {
        return TYPE_FAILED.equals(type);
    }

    /** A copy of the explanation JSON. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** Length of the explanation JSON in bytes, without copying it. */
    public int bodySize() {
        return body.length;
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Whether the model served a different class than the explainer's own call saw (the model changed, or it
     * is not deterministic): empty while either is unknown. Probability vectors count as their argmax.
     */
    public java.util.Optional<Boolean> predictionMismatch() {
        java.util.Optional<String> served = label(servedPrediction);
        java.util.Optional<String> explained = label(explainedPrediction);
        if (served.isEmpty() || explained.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(!served.get().equals(explained.get()));
    }

    /** One prediction as a comparable class: an integral number, the argmax of a vector, or a string. */
    private static java.util.Optional<String> label(String json) {
        if (json == null) {
            return java.util.Optional.empty();
        }
        try {
            com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(json);
            if (n.isArray() && n.size() == 1 && !n.get(0).isArray()) {
                n = n.get(0);
            }
            if (n.isArray() && n.size() > 1) {
                int best = 0;
                for (int i = 1; i < n.size(); i++) {
                    if (n.get(i).asDouble() > n.get(best).asDouble()) {
                        best = i;
                    }
                }
                return java.util.Optional.of(Integer.toString(best));
            }
            if (n.isNumber()) {
                double v = n.asDouble();
                return v == Math.rint(v) ? java.util.Optional.of(Long.toString((long) v))
                        : java.util.Optional.empty(); // a regression output has no class to compare
            }
            if (n.isTextual() || n.isBoolean()) {
                return java.util.Optional.of(n.asText());
            }
            return java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** This record with the served prediction (JSON text) set, e.g. once the paired response arrived. */
    public ExplanationRecord withServedPrediction(String json) {
        return new ExplanationRecord(explanationId, inferenceId, model, namespace, explainer, type, failureReason, anchor,
                precision, coverage, json, explainedPrediction, timingsMs, createdAt, body);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExplanationRecord r
                && explanationId.equals(r.explanationId) && inferenceId.equals(r.inferenceId)
                && model.equals(r.model) && Objects.equals(namespace, r.namespace) && explainer.equals(r.explainer)
                && type.equals(r.type) && Objects.equals(failureReason, r.failureReason) && anchor.equals(r.anchor)
                && Objects.equals(precision, r.precision) && Objects.equals(coverage, r.coverage)
                && Objects.equals(servedPrediction, r.servedPrediction)
                && Objects.equals(explainedPrediction, r.explainedPrediction) && timingsMs.equals(r.timingsMs)
                && createdAt.equals(r.createdAt) && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(explanationId, inferenceId, type, createdAt) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "ExplanationRecord[" + explanationId + " " + type + " inference=" + inferenceId + " model=" + namespace
                + "/" + model + " explainer=" + explainer + (failureReason == null ? " anchor=" + anchor
                        + " precision=" + precision + " coverage=" + coverage : " reason=" + failureReason)
                + " body=" + body.length + " bytes]";
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }

    private static byte[] failureBody(String inferenceId, String explainer, String reason) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("meta").put("name", explainer);
        root.put("inference_id", inferenceId);
        root.putObject("error").put("reason", reason);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds a record field by field; {@link #build()} validates as the record's constructor does. */
    public static final class Builder {
        private String explanationId;
        private String inferenceId;
        private String model;
        private String namespace;
        private String explainer;
        private String type = TYPE_EXPLANATION;
        private String failureReason;
        private List<String> anchor = List.of();
        private Double precision;
        private Double coverage;
        private String servedPrediction;
        private String explainedPrediction;
        private final Map<String, Long> timingsMs = new LinkedHashMap<>();
        private Instant createdAt;
        private byte[] body;

        private Builder() {
        }

        public Builder explanationId(String v) { explanationId = v; return this; }
        public Builder inferenceId(String v) { inferenceId = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder namespace(String v) { namespace = v; return this; }
        public Builder explainer(String v) { explainer = v; return this; }
        public Builder anchor(List<String> v) { anchor = v; return this; }
        public Builder precision(Double v) { precision = v; return this; }
        public Builder coverage(Double v) { coverage = v; return this; }
        public Builder servedPrediction(String json) { servedPrediction = json; return this; }
        public Builder explainedPrediction(String json) { explainedPrediction = json; return this; }
        public Builder timing(String name, long ms) { timingsMs.put(name, ms); return this; }
        public Builder timingsMs(Map<String, Long> v) { timingsMs.clear(); timingsMs.putAll(v); return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }

        /** An explanation with its full JSON. */
        public Builder explanation(byte[] json) {
            type = TYPE_EXPLANATION;
            failureReason = null;
            body = json;
            return this;
        }

        public Builder explanation(String json) {
            return explanation(json.getBytes(StandardCharsets.UTF_8));
        }

        /** A failure: no anchor; the body is a small JSON object naming the reason. */
        public Builder failed(String reason) {
            type = TYPE_FAILED;
            failureReason = reason;
            body = null;
            return this;
        }

        public ExplanationRecord build() {
            return new ExplanationRecord(explanationId, inferenceId, model, namespace, explainer, type, failureReason,
                    anchor, precision, coverage, servedPrediction, explainedPrediction, timingsMs,
                    createdAt == null ? Instant.now() : createdAt, body);
        }
    }
}
