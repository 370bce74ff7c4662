package dev.anchorwatch.model;

import java.util.concurrent.CompletableFuture;

/**
 * The black box: a batch of instances in, a future of predicted class indices out (one per instance).
 * In-process models, the KServe V1 client and the Open Inference V2 client are interchangeable behind it.
 * Implementations fail the future with {@link PredictorException}.
 */
public interface Predictor extends AutoCloseable {

    CompletableFuture<int[]> predict(Instances batch);

    /**
     * The model's output vector for each instance (class probabilities, margins, or a single value for a regressor),
     * for explainers that attribute the output itself (KernelSHAP). A predictor that only knows labels fails the
     * future with a permanent {@link PredictorException}.
     */
    default CompletableFuture<double[][]> predictScores(Instances batch) {
        return CompletableFuture.failedFuture(new PredictorException(getClass().getSimpleName()
                + " returns class labels only; this explainer needs the model's scores", false));
    }

    @Override
    default void close() {
    }
}
