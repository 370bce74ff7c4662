package dev.anchorwatch.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.anchorwatch.explain.ExplainException;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.ModelExplainer;
import dev.anchorwatch.explain.ModelExplainer.Explained;
import dev.anchorwatch.explain.Seeds;
import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationRecord;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Explains a logger request event with each of the model's explainers (an AnchorTabular spec and a KernelShap spec
 * of the same model give two records). The seed derives from the inference id (the event id), so a redelivery, or
 * another replica, produces the identical explanation. An event with one instance yields its explanation; with
 * several, a JSON list of them (as {@code :explain} answers). Each record names its explainer type and has an id
 * distinct per explainer ({@link ExplanationIds#explanationId(String, String, String, String, String)}).
 */
@Singleton
public class ServiceEventExplainer implements EventExplainer {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final ExplanationService service;

    @Inject
    public ServiceEventExplainer(ExplanationService service) {
        this.service = service;
    }

    /** The first explainer's record (the one named as the model); {@link #explainAll} gives every one. */
    @Override
    public CompletionStage<ExplanationRecord> explain(InferenceEvent request) {
        return explainAll(request).thenApply(list -> list.get(0));
    }

    @Override
    public CompletionStage<List<ExplanationRecord>> explainAll(InferenceEvent request) {
        long start = System.nanoTime();
        String model = request.inferenceServiceName();
        if (model == null || model.isBlank()) {
            return CompletableFuture.failedFuture(new PermanentEventException(
                    "event has no 'inferenceservicename' extension: cannot tell which model to explain"));
        }
        List<ModelExplainer> explainers;
        List<JsonNode> instances;
        try {
            explainers = service.registry().forModel(model);
            if (explainers.isEmpty()) {
                explainers = List.of(service.registry().require(model)); // fails with the served names
            }
            instances = instances(request.payload());
        } catch (ExplainException e) {
            return CompletableFuture.failedFuture(translate(e));
        } catch (PermanentEventException e) {
            return CompletableFuture.failedFuture(e);
        }
        List<ModelExplainer> chosen = explainers;
        CompletableFuture<List<List<Explained>>> explained;
        try {
            // the first explainer keeps the seed it always had; others mix their name in
            explained = service.explainEach(chosen, instances, (e, i) -> chosen.get(e).spec().seed()
                    .orElseGet(() -> e == 0 && chosen.get(0).spec().name().equals(model)
                            ? Seeds.derive(request.id(), Integer.toString(i))
                            : Seeds.derive(request.id(), Integer.toString(i), chosen.get(e).spec().name())));
        } catch (ExplainException e) {
            return CompletableFuture.failedFuture(translate(e));
        }
        CompletableFuture<List<ExplanationRecord>> records = explained.handle((lists, failure) -> {
            if (failure != null) {
                Throwable cause = ExplanationService.cause(failure);
                throw cause instanceof ExplainException e ? translate(e)
                        : new java.util.concurrent.CompletionException(cause);
            }
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            List<ExplanationRecord> out = new ArrayList<>();
            for (int e = 0; e < chosen.size(); e++) {
                out.add(record(request, chosen.get(e), lists.get(e), elapsed, chosen.size() > 1));
            }
            return out;
        });
        // a caller that gives up on the records (the ingress's explain timeout) cancels the explanations themselves,
        // which then free their workers and make no further predictor calls (ExplanationService)
        records.whenComplete((r, e) -> {
            if (e != null) {
                explained.completeExceptionally(e);
            }
        });
        return records;
    }

    /**
     * @param elapsedMs how long the event's explanations took, all explainers together
     * @param several   whether other explainers explained the event too: then {@code timings.explain} is this
     *                  explainer's own time (its longest instance), so a fast Anchors explanation is not reported
     *                  as slow as the KernelSHAP one beside it, and {@code timings.event} is the whole event's
     */
    private static ExplanationRecord record(InferenceEvent request, ModelExplainer explainer, List<Explained> list,
                                            long elapsedMs, boolean several) {
        Explained first = list.get(0);
        JsonNode body;
        ArrayNode predictions = F.arrayNode();
        long calls = 0;
        long rows = 0;
        if (list.size() == 1) {
            body = first.json();
        } else {
            ArrayNode all = F.arrayNode();
            list.forEach(e -> all.add(e.json()));
            body = all;
        }
        long own = 0;
        for (Explained e : list) {
            predictions.add(e.prediction());
            calls += e.predictorCalls();
            rows += e.predictorRows();
            own = Math.max(own, e.elapsedMillis());
        }
        ExplanationRecord.Builder b = ExplanationRecord.builder();
        if (several) {
            b.timing("event", elapsedMs);
        }
        return b
                .explanationId(ExplanationIds.explanationId(request.source(), request.id(), request.type(),
                        explainer.spec().name(), explainer.spec().model()))
                .inferenceId(request.id())
                .model(explainer.spec().model())
                .namespace(request.namespace())
                .explainer(explainer.spec().type().label())
                .anchor(first.anchor())
                .precision(Double.isNaN(first.precision()) ? null : first.precision())
                .coverage(Double.isNaN(first.coverage()) ? null : first.coverage())
                .explainedPrediction(list.size() == 1 ? Integer.toString(first.prediction()) : predictions.toString())
                .timing("explain", several ? own : elapsedMs)
                .timing("predictor_calls", calls)
                .timing("predictor_rows", rows)
                .explanation(body.toString())
                .build();
    }

    /**
     * Instances of a V1 body ({@code instances}, or {@code inputs} holding instances), or the rows of the first
     * tensor of an Open Inference V2 body; see {@link dev.anchorwatch.explain.InferenceRequests}.
     */
    static List<JsonNode> instances(JsonNode payload) {
        try {
            return dev.anchorwatch.explain.InferenceRequests.instances(payload);
        } catch (ExplainException e) {
            throw new PermanentEventException(e.getMessage(), e);
        }
    }

    private static RuntimeException translate(ExplainException e) {
        return e.isTransient() ? e : new PermanentEventException(e.getMessage(), e);
    }
}
