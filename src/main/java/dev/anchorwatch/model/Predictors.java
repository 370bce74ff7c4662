package dev.anchorwatch.model;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/** Factories for the predictors of this package. */
public final class Predictors {
    private Predictors() {
    }

    /** An HTTP client for the configured protocol, with a fresh per-client jitter source. */
    public static HttpPredictor http(PredictorConfig config) {
        return http(config, null);
    }

    /** An HTTP client for the configured protocol; {@code jitter} (may be null) drives backoff jitter. */
    public static HttpPredictor http(PredictorConfig config, RandomGenerator jitter) {
        return switch (config.protocol()) {
            case V1 -> new KServeV1Predictor(config, jitter);
            case V2 -> new OpenInferenceV2Predictor(config, jitter);
        };
    }

    /** A classifier evaluated on the calling thread. */
    public static InProcessPredictor inProcess(Classifier classifier) {
        return new InProcessPredictor(classifier);
    }

    /** A classifier evaluated on {@code executor}. */
    public static InProcessPredictor inProcess(Classifier classifier, Executor executor) {
        return new InProcessPredictor(classifier, executor);
    }

    /** A text classifier evaluated on the calling thread. */
    public static InProcessTextPredictor inProcess(TextClassifier classifier) {
        return new InProcessTextPredictor(classifier);
    }

    /**
     * {@code predictor} with every call reported to {@code observer} (rows, time, success); closing it closes
     * {@code predictor}. Returns {@code predictor} itself when the observer is {@link PredictorObserver#NONE}.
     */
    public static Predictor observed(String model, Predictor predictor, PredictorObserver observer) {
        if (observer == null || observer == PredictorObserver.NONE) {
            return predictor;
        }
        return new Predictor() {
            @Override
            public CompletableFuture<int[]> predict(Instances batch) {
                return observe(batch, () -> predictor.predict(batch));
            }

            @Override
            public CompletableFuture<double[][]> predictScores(Instances batch) {
                return observe(batch, () -> predictor.predictScores(batch));
            }

            private <T> CompletableFuture<T> observe(Instances batch, java.util.function.Supplier<CompletableFuture<T>> call) {
                int rows = batch == null ? 0 : batch.size();
                long start = System.nanoTime();
                AutoCloseable scope = observer.started(model, rows);
                CompletableFuture<T> answer;
                try {
                    answer = call.get();
                } catch (RuntimeException e) {
                    answer = CompletableFuture.failedFuture(e);
                }
                return answer.whenComplete((value, error) -> {
                    observer.completed(model, rows, System.nanoTime() - start, error);
                    try {
                        scope.close();
                    } catch (Exception ignored) {
                        // a scope that cannot close must not fail the prediction
                    }
                });
            }

            @Override
            public void close() {
                predictor.close();
            }

            @Override
            public String toString() {
                return predictor.toString();
            }
        };
    }
}
