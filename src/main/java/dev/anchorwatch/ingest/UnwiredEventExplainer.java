package dev.anchorwatch.ingest;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import dev.anchorwatch.publish.ExplanationRecord;
import io.quarkus.arc.DefaultBean;

/**
 * Stands in until an explainer bean implements {@link EventExplainer}: every event fails transiently, so the
 * broker retries it and finally hands it to its dead-letter sink; none is lost or acknowledged unexplained.
 */
@DefaultBean
@ApplicationScoped
public class UnwiredEventExplainer implements EventExplainer {

    @Override
    public CompletionStage<ExplanationRecord> explain(InferenceEvent request) {
        return CompletableFuture.failedFuture(new IllegalStateException("no explainer is wired to event ingestion yet"));
    }
}
