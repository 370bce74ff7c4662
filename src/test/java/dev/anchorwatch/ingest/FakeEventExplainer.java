package dev.anchorwatch.ingest;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationRecord;

/**
 * Test double for the explainer, selected only by the profiles of ingress tests that need no real model. Behaves
 * by model name: "adult" explains, "unknown-model" fails permanently, "flaky" fails transiently, "slow" waits for
 * {@link #gate}, "down-until-open" fails transiently until {@link #predictorUp} completes, "held" waits for
 * {@link #release}.
 */
@Alternative
@ApplicationScoped
public class FakeEventExplainer implements EventExplainer {

    static volatile CompletableFuture<Void> gate = new CompletableFuture<>();
    static volatile CountDownLatch slowStarted = new CountDownLatch(1);
    /** Model "down-until-open" fails transiently (predictor down) until this completes. */
    static volatile CompletableFuture<Void> predictorUp = new CompletableFuture<>();
    static final java.util.concurrent.atomic.AtomicInteger downAttempts = new java.util.concurrent.atomic.AtomicInteger();
    /** Model "held" waits for this; {@link #held} counts explanations waiting now, {@link #mostHeld} the peak. */
    static volatile CompletableFuture<Void> release = new CompletableFuture<>();
    static final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    static final java.util.concurrent.atomic.AtomicInteger mostHeld = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public CompletionStage<ExplanationRecord> explain(InferenceEvent request) {
        switch (request.inferenceServiceName()) {
            case "unknown-model":
                return CompletableFuture.failedFuture(new PermanentEventException("unknown model unknown-model"));
            case "flaky":
                return CompletableFuture.failedFuture(new IllegalStateException("predictor down"));
            case "held":
                mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
                return release.thenApply(ignored -> {
                    held.decrementAndGet();
                    return record(request);
                });
            case "down-until-open":
                if (!predictorUp.isDone()) {
                    downAttempts.incrementAndGet();
                    return CompletableFuture.failedFuture(new IllegalStateException("predictor down"));
                }
                return CompletableFuture.completedFuture(record(request));
            case "slow":
                slowStarted.countDown();
                return gate.thenApply(ignored -> record(request));
            default:
                return CompletableFuture.completedFuture(record(request));
        }
    }

    static ExplanationRecord record(InferenceEvent request) {
        return ExplanationRecord.builder()
                .explanationId(ExplanationIds.explanationId(request.source(), request.id(), request.type()))
                .inferenceId(request.id())
                .model(request.inferenceServiceName())
                .namespace(request.namespace())
                .explainer("FakeAnchors")
                .anchor(List.of("Age <= 28.00"))
                .precision(0.95)
                .coverage(0.3)
                .explanation("{\"meta\": {\"name\": \"FakeAnchors\"}, \"data\": {\"anchor\": [\"Age <= 28.00\"],"
                        + " \"precision\": 0.95, \"coverage\": 0.3, \"raw\": {}}}")
                .build();
    }
}
