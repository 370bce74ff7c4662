package dev.anchorwatch.model;

import java.util.concurrent.CompletableFuture;

/**
 * The black box: a batch of instances in, a future of predicted class indices out (one per instance).
 * In-process models, the KServe V1 client and the Open Inference V2 client are interchangeable behind it.
 * Implementations fail the future with {@link PredictorException}.
 */
public interface Predictor extends AutoCloseable {

    CompletableFuture<int[]> predict(Instances batch);

    @Override
    default void close() {
    }
}
