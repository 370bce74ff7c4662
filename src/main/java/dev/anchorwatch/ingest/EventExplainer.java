package dev.anchorwatch.ingest;

import java.util.concurrent.CompletionStage;

import dev.anchorwatch.publish.ExplanationRecord;

/**
 * The one seam between event ingestion and the explainer: explain one decoded request event.
 *
 * <p>The returned stage completes with the explanation, or with a {@code dev.anchorwatch.explanation.failed}
 * record when the failure belongs in the output (it is then published like an explanation). It completes
 * exceptionally with a {@link PermanentEventException} when the event can never be explained (unknown model,
 * wrong shape): a failure event is published and the input is answered 422, for the dead-letter sink. Any
 * other exception is transient (predictor down, time limit): the input is answered 503 and redelivered.
 *
 * <p>Use {@code ExplanationIds.explanationId(request.source(), request.id(), request.type())} as the record's
 * id, so that redeliveries give the same id. The served prediction may be left null: the ingress fills it from
 * the paired response event when one has arrived.
 */
public interface EventExplainer {

    CompletionStage<ExplanationRecord> explain(InferenceEvent request);

    /**
     * Every explanation of the request: one per explainer of its model (a model may have several, e.g. Anchors and
     * KernelSHAP), each with its own id, all to be published before the input is acknowledged. By default the one
     * record of {@link #explain}.
     */
    default CompletionStage<java.util.List<ExplanationRecord>> explainAll(InferenceEvent request) {
        return explain(request).thenApply(java.util.List::of);
    }
}
