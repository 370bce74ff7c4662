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
 * Explains a logger request event with the model's explainer. The seed derives from the inference id (the
 * event id), so a redelivery, or another replica, produces the identical explanation. An event with one
 * instance yields its explanation; with several, a JSON list of them (as {@code :explain} answers).
 */
@Singleton
public class ServiceEventExplainer implements EventExplainer {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final ExplanationService service;

    @Inject
    public ServiceEventExplainer(ExplanationService service) {
        this.service = service;
    }

    @Override
    public CompletionStage<ExplanationRecord> explain(InferenceEvent request) {
        long start = System.nanoTime();
        String model = request.inferenceServiceName();
        if (model == null || model.isBlank()) {
            return CompletableFuture.failedFuture(new PermanentEventException(
                    "event has no 'inferenceservicename' extension: cannot tell which model to explain"));
        }
        ModelExplainer explainer;
        List<JsonNode> instances;
        try {
            explainer = service.registry().require(model);
            instances = instances(request.payload());
        } catch (ExplainException e) {
            return CompletableFuture.failedFuture(translate(e));
        } catch (PermanentEventException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<List<Explained>> explained;
        try {
            explained = service.explainAll(model, instances, i -> explainer.spec().seed()
                    .orElseGet(() -> Seeds.derive(request.id(), Integer.toString(i))));
        } catch (ExplainException e) {
            return CompletableFuture.failedFuture(translate(e));
        }
        return explained.handle((list, failure) -> {
            if (failure != null) {
                Throwable cause = ExplanationService.cause(failure);
                throw cause instanceof ExplainException e ? translate(e)
                        : new java.util.concurrent.CompletionException(cause);
            }
            return record(request, explainer, list, (System.nanoTime() - start) / 1_000_000);
        });
    }

    private static ExplanationRecord record(InferenceEvent request, ModelExplainer explainer, List<Explained> list,
                                            long elapsedMs) {
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
        for (Explained e : list) {
            predictions.add(e.prediction());
            calls += e.predictorCalls();
            rows += e.predictorRows();
        }
        return ExplanationRecord.builder()
                .explanationId(ExplanationIds.explanationId(request.source(), request.id(), request.type()))
                .inferenceId(request.id())
                .model(explainer.spec().name())
                .namespace(request.namespace())
                .explainer(explainer.spec().type().label())
                .anchor(first.anchor())
                .precision(first.precision())
                .coverage(first.coverage())
                .explainedPrediction(list.size() == 1 ? Integer.toString(first.prediction()) : predictions.toString())
                .timing("explain", elapsedMs)
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
