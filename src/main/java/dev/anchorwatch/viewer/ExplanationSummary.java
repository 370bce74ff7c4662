package dev.anchorwatch.viewer;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the list shows of one explanation: everything but its full JSON. Immutable.
 *
 * @param id                  the explanation id (the output event id)
 * @param inferenceId         the inference id
 * @param model               the model (InferenceService) name
 * @param namespace           its namespace, or null
 * @param explainer           the explainer that made it, e.g. {@code AnchorTabular}
 * @param outcome             found, not found or failed
 * @param reason              why it failed; null unless failed
 * @param anchor              the anchor's predicates (empty when failed)
 * @param precision           the anchor's precision, or null
 * @param coverage            the anchor's coverage, or null
 * @param mismatch            whether the served prediction differs from the explained one; null while unknown
 * @param servedPrediction    the served prediction as JSON text, or null
 * @param explainedPrediction the explained prediction as JSON text, or null
 * @param latencyMs           time to explain ({@code timings.explain}), or null
 * @param predictorCalls      requests sent to the predictor, or null
 * @param predictorRows       rows sent to the predictor, or null
 * @param timingsMs           every named timing and counter of the record
 * @param createdAt           when it was made
 */
public record ExplanationSummary(String id, String inferenceId, String model, String namespace, String explainer,
                                 Outcome outcome, String reason, List<String> anchor, Double precision,
                                 Double coverage, Boolean mismatch, String servedPrediction,
                                 String explainedPrediction, Long latencyMs, Long predictorCalls, Long predictorRows,
                                 Map<String, Long> timingsMs, Instant createdAt) {

    public ExplanationSummary {
        anchor = anchor == null ? List.of() : List.copyOf(anchor);
        timingsMs = timingsMs == null ? Map.of() : Map.copyOf(timingsMs);
    }

    /** This explanation's place in the newest-first order of every list. */
    public Cursor position() {
        return new Cursor(createdAt, id);
    }
}
