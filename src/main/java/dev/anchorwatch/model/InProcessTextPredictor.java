package dev.anchorwatch.model;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/** A {@link TextClassifier} behind the {@link Predictor} interface, evaluated on the calling thread; texts only. */
public final class InProcessTextPredictor implements Predictor, PredictorStats {
    private final TextClassifier classifier;
    private final LongAdder requests = new LongAdder();
    private final LongAdder rowsSent = new LongAdder();

    public InProcessTextPredictor(TextClassifier classifier) {
        this.classifier = Objects.requireNonNull(classifier, "classifier");
    }

    public TextClassifier classifier() {
        return classifier;
    }

    @Override
    public CompletableFuture<int[]> predict(Instances batch) {
        Objects.requireNonNull(batch, "batch");
        if (!(batch instanceof Instances.Texts texts)) {
            return CompletableFuture.failedFuture(new PredictorException("in-process text model accepts texts only, got "
                    + batch.getClass().getSimpleName().toLowerCase(Locale.ROOT), false));
        }
        requests.increment();
        rowsSent.add(texts.size());
        try {
            return CompletableFuture.completedFuture(classifier.predictAll(texts.texts()));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(
                    new PredictorException("in-process text model rejected the batch: " + e.getMessage(), false));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public long requests() {
        return requests.sum();
    }

    @Override
    public long rowsSent() {
        return rowsSent.sum();
    }
}
