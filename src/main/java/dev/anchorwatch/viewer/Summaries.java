package dev.anchorwatch.viewer;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

import dev.anchorwatch.publish.ExplanationRecord;

/** Turns a published record into what the viewer stores. */
final class Summaries {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Summaries() {
    }

    static StoredExplanation of(ExplanationRecord r) {
        byte[] body = r.body();
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            tree = NullNode.instance; // not JSON: shown as found, with the text as it came
        }
        ExplanationSummary s = new ExplanationSummary(r.explanationId(), r.inferenceId(), r.model(), r.namespace(),
                r.explainer(), Outcome.of(r, tree == null ? NullNode.instance : tree), r.failureReason(), r.anchor(),
                r.precision(), r.coverage(), r.predictionMismatch().orElse(null), r.servedPrediction(),
                r.explainedPrediction(), r.timingsMs().get("explain"), r.timingsMs().get("predictor_calls"),
                r.timingsMs().get("predictor_rows"), r.timingsMs(), r.createdAt());
        return new StoredExplanation(s, body);
    }
}
