package dev.anchorwatch.publish;

import java.time.Instant;
import java.util.List;

/** Records for the sink tests. */
final class Samples {

    static final String BODY = """
            {
              "meta": {"name": "AnchorTabular", "type": ["blackbox"], "explanations": ["local"]},
              "data": {
                "anchor": ["Age <= 28.00", "Sex = Female"],
                "precision": 0.97,
                "coverage": 0.21,
                "raw": {"prediction": [0]}
              }
            }
            """;

    private Samples() {
    }

    static ExplanationRecord explanation(String inferenceId) {
        return ExplanationRecord.builder()
                .explanationId(ExplanationIds.explanationId("http://adult.default/", inferenceId,
                        "org.kubeflow.serving.inference.request"))
                .inferenceId(inferenceId)
                .model("adult")
                .namespace("default")
                .explainer("AnchorTabular")
                .anchor(List.of("Age <= 28.00", "Sex = Female"))
                .precision(0.97)
                .coverage(0.21)
                .servedPrediction("0")
                .explainedPrediction("0")
                .timing("total", 420)
                .timing("predictor", 300)
                .createdAt(Instant.parse("2026-11-25T12:00:00Z"))
                .explanation(BODY)
                .build();
    }

    static ExplanationRecord failure(String inferenceId, String reason) {
        return ExplanationRecord.builder()
                .explanationId(ExplanationIds.explanationId("http://adult.default/", inferenceId,
                        "org.kubeflow.serving.inference.request"))
                .inferenceId(inferenceId)
                .model("adult")
                .namespace("default")
                .explainer("AnchorTabular")
                .createdAt(Instant.parse("2026-11-25T12:00:01Z"))
                .failed(reason)
                .build();
    }
}
