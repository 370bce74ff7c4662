package dev.anchorwatch.model;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Classifier} behind the {@link Predictor} interface, for tabular rows and tensors (each flattened
 * row-major into one row). Each batch is evaluated as one task on the given executor, or on the calling thread
 * when there is none.
 */
public final class InProcessPredictor implements Predictor, PredictorStats {
    private final Classifier classifier;
    private final Executor executor;
    private final LongAdder requests = new LongAdder();
    private final LongAdder rowsSent = new LongAdder();

    /** Evaluates on the calling thread: the returned future is already complete. */
    public InProcessPredictor(Classifier classifier) {
        this(classifier, null);
    }

    /** @param executor where batches are evaluated; null for the calling thread */
    public InProcessPredictor(Classifier classifier, Executor executor) {
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.executor = executor;
    }

    public Classifier classifier() {
        return classifier;
    }

    @Override
    public CompletableFuture<int[]> predict(Instances batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch instanceof Instances.Tensors t) { // images: each tensor as one row of its values, row-major
            requests.increment();
            rowsSent.add(t.size());
            return run(() -> evaluateTensors(t.data()));
        }
        if (!(batch instanceof Instances.Rows rows)) {
            return CompletableFuture.failedFuture(new PredictorException("in-process model accepts tabular rows and "
                    + "tensors only, got " + batch.getClass().getSimpleName().toLowerCase(Locale.ROOT), false));
        }
        requests.increment();
        rowsSent.add(rows.size());
        return run(() -> evaluate(rows.rows(), classifier::predictAll));
    }

    /** Class probabilities of each row, from {@link Classifier#probabilities}. */
    @Override
    public CompletableFuture<double[][]> predictScores(Instances batch) {
        Objects.requireNonNull(batch, "batch");
        if (!(batch instanceof Instances.Rows rows)) {
            return CompletableFuture.failedFuture(new PredictorException("in-process model scores tabular rows only, got "
                    + batch.getClass().getSimpleName().toLowerCase(Locale.ROOT), false));
        }
        requests.increment();
        rowsSent.add(rows.size());
        // forests score a batch tree by tree, several times faster than row by row
        return run(() -> evaluate(rows.rows(), classifier::probabilitiesAll));
    }

    /**
     * Runs {@code work} on the executor (or here, without one). The future is completed by hand so that it fails
     * with the PredictorException itself, as the HTTP clients' do.
     */
    private <T> CompletableFuture<T> run(java.util.function.Supplier<T> work) {
        if (executor == null) {
            try {
                return CompletableFuture.completedFuture(work.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    result.complete(work.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            return result;
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(
                    new PredictorException("in-process model is overloaded or shut down: executor rejected the batch", true));
        }
    }

    /** The model's answer for a batch whose rows all have the model's width; its refusal as a permanent failure. */
    private <T> T evaluate(double[][] rows, java.util.function.Function<double[][], T> model) {
        int expected = classifier.features();
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || (expected >= 0 && rows[i].length != expected)) {
                throw new PredictorException("in-process model expects " + expected + " values per row, row " + i
                        + " has " + (rows[i] == null ? 0 : rows[i].length), false);
            }
        }
        try {
            return model.apply(rows);
        } catch (IllegalArgumentException e) {
            throw new PredictorException("in-process model rejected the batch: " + e.getMessage(), false);
        }
    }

    /**
     * Tensors one at a time through one reused row of doubles: converting a round of 299×299×3 images whole first
     * allocated 214 MB per 100 images, and most of an explanation's time went to that copy and its collection.
     */
    private int[] evaluateTensors(float[][] tensors) {
        int expected = classifier.features();
        int[] labels = new int[tensors.length];
        double[] row = new double[0];
        for (int i = 0; i < tensors.length; i++) {
            float[] values = tensors[i];
            if (values == null || (expected >= 0 && values.length != expected)) {
                throw new PredictorException("in-process model expects " + expected + " values per row, row " + i
                        + " has " + (values == null ? 0 : values.length), false);
            }
            if (row.length != values.length) {
                row = new double[values.length];
            }
            for (int j = 0; j < values.length; j++) {
                row[j] = values[j];
            }
            try {
                labels[i] = classifier.predict(row);
            } catch (IllegalArgumentException e) {
                throw new PredictorException("in-process model rejected the batch: " + e.getMessage(), false);
            }
        }
        return labels;
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
