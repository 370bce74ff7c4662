package dev.anchorwatch.explain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.model.PredictorException;

/**
 * The model as one explanation sees it: every call goes through here, so the explanation can report honest
 * counts of predictor requests and rows, and every failure is classified the same way for every explainer type
 * (transient: retry later; permanent: the predictor's answer is unusable).
 */
final class BlackBox {
    private final String model;
    private final Predictor predictor;
    private final int maxRowsPerRequest;
    // what the explanation reports: its own cost, the same on every retry
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    // what was actually sent: less where other explanations' labels (the cache's shared tier) answered
    private final AtomicLong sentCalls = new AtomicLong();
    private final AtomicLong sentRows = new AtomicLong();

    /**
     * @param maxRowsPerRequest how the predictor splits a batch, so that calls count its requests
     *                          ({@link Integer#MAX_VALUE} for an in-process model: one call per batch)
     */
    BlackBox(String model, Predictor predictor, int maxRowsPerRequest) {
        this(model, predictor, maxRowsPerRequest, null);
    }

    /**
     * @param cache a {@link PredictionCache#forExplanation view} for this explanation (null: none): the model's
     *              training labels, the rows this explanation has met, and the shared tier. The rows its own
     *              tiers lack are counted as the explanation's cost (so its counters never depend on what ran
     *              before it); of those, only the ones the shared tier lacks are sent, once each
     */
    BlackBox(String model, Predictor predictor, int maxRowsPerRequest, PredictionCache cache) {
        this(model, predictor, maxRowsPerRequest, cache, Cancellation.NONE);
    }

    /**
     * @param cancel checked before every batch is sent, and abandons a call pending when it is cancelled: so a
     *               cancelled explanation makes no further predictor calls and ends at its next round
     */
    BlackBox(String model, Predictor predictor, int maxRowsPerRequest, PredictionCache cache, Cancellation cancel) {
        this.model = model;
        this.cancel = cancel;
        this.predictor = predictor;
        this.maxRowsPerRequest = maxRowsPerRequest;
        this.cache = cache;
    }

    private final PredictionCache cache;
    private final Cancellation cancel;

    /** Labels for a batch; blocks until the predictor answers. */
    int[] predict(Instances batch) {
        try {
            if (cache != null && batch instanceof Instances.Rows r) {
                return predictCached(r.rows());
            }
            return cancel.await(predictAsync(batch));
        } catch (CompletionException e) {
            throw translate(e);
        }
    }

    /** The model's training labels of these rows where the cache holds them (-1 elsewhere); null without one. */
    int[] trainingLabels(List<double[]> rows) {
        if (cache == null || !cache.hasTraining()) {
            return null;
        }
        int[] out = new int[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = cache.trainingLabel(rows.get(i));
        }
        return out;
    }

    /** Labels for a batch, bypassing the cache (counted like any call). */
    int[] predictUncached(Instances batch) {
        try {
            return cancel.await(predictAsync(batch));
        } catch (CompletionException e) {
            throw translate(e);
        }
    }

    /**
     * Looks every row up in the cache; counts the distinct rows the explanation's own tiers lack as its cost,
     * sends those the shared tier lacks too in one batch, and caches their labels.
     */
    private int[] predictCached(double[][] rows) {
        int[] out = new int[rows.length];
        Map<PredictionCache.Key, List<Integer>> own = new LinkedHashMap<>();
        for (int i = 0; i < rows.length; i++) {
            int label = cache.get(rows[i]);
            if (label >= 0) {
                out[i] = label;
            } else {
                own.computeIfAbsent(new PredictionCache.Key(rows[i]), k -> new ArrayList<>()).add(i);
            }
        }
        if (own.isEmpty()) {
            return out;
        }
        cancel.check();
        count(calls, this.rows, own.size());
        Map<PredictionCache.Key, List<Integer>> missing = new LinkedHashMap<>();
        for (Map.Entry<PredictionCache.Key, List<Integer>> e : own.entrySet()) {
            int label = cache.shared(e.getKey());
            if (label >= 0) {
                for (int i : e.getValue()) {
                    out[i] = label;
                }
            } else {
                missing.put(e.getKey(), e.getValue());
            }
        }
        if (missing.isEmpty()) {
            return out;
        }
        double[][] send = new double[missing.size()][];
        int j = 0;
        for (List<Integer> idx : missing.values()) {
            send[j++] = rows[idx.get(0)];
        }
        int[] labels = cancel.await(send(new Instances.Rows(send)));
        j = 0;
        for (List<Integer> idx : missing.values()) {
            int label = labels[j];
            if (label >= 0) {
                cache.put(send[j], label);
            }
            for (int i : idx) {
                out[i] = label;
            }
            j++;
        }
        return out;
    }

    /** Scores (class probabilities, margins or a value) for a batch, checked for length; blocks until answered. */
    double[][] scores(Instances batch) {
        cancel.check();
        int n = batch.size();
        count(calls, rows, n);
        count(sentCalls, sentRows, n);
        double[][] out;
        try {
            out = cancel.await(predictor.predictScores(batch));
        } catch (CompletionException e) {
            throw translate(e);
        }
        if (out.length != n) {
            throw new ExplainException(ExplainException.Kind.PREDICTOR_ERROR, "predictor for model '" + model
                    + "' returned " + out.length + " score vectors for " + n + " instances");
        }
        return out;
    }

    /** Labels for a batch, checked for length; the future fails with the predictor's own exception. */
    CompletableFuture<int[]> predictAsync(Instances batch) {
        cancel.check(); // before counting: a cancelled explanation's cost does not grow
        count(calls, rows, batch.size());
        return send(batch);
    }

    /** Sends a batch, counted as sent only (its cost is the caller's to count). */
    private CompletableFuture<int[]> send(Instances batch) {
        cancel.check(); // a cancelled explanation sends nothing more
        int n = batch.size();
        count(sentCalls, sentRows, n);
        return predictor.predict(batch).thenApply(labels -> {
            if (labels.length != n) {
                throw new ExplainException(ExplainException.Kind.PREDICTOR_ERROR, "predictor for model '" + model
                        + "' returned " + labels.length + " predictions for " + n + " instances");
            }
            return labels;
        });
    }

    /** Which labels equal the explained instance's: what the search's oracle answers. */
    static boolean[] same(int[] labels, int label) {
        boolean[] same = new boolean[labels.length];
        for (int i = 0; i < labels.length; i++) {
            same[i] = labels[i] == label;
        }
        return same;
    }

    /** A batch of {@code n} rows as requests (the predictor splits it) and rows. */
    private void count(AtomicLong requests, AtomicLong rowCount, int n) {
        requests.addAndGet((n + (long) maxRowsPerRequest - 1) / maxRowsPerRequest);
        rowCount.addAndGet(n);
    }

    /** Requests the explanation cost on its own: the same on every retry and replica. */
    long calls() {
        return calls.get();
    }

    /** Rows the explanation cost on its own: the same on every retry and replica. */
    long rows() {
        return rows.get();
    }

    /** Requests actually sent: fewer than {@link #calls()} where the cache's shared tier answered. */
    long sentCalls() {
        return sentCalls.get();
    }

    /** Rows actually sent. */
    long sentRows() {
        return sentRows.get();
    }

    /** A failure met while explaining, as the ExplainException the API and the event ingress map to a status. */
    ExplainException translate(Throwable t) {
        Throwable c = ExplanationService.cause(t);
        if (c instanceof ExplainException e) {
            return e;
        }
        if (c instanceof PredictorException p) {
            return new ExplainException(p.isTransient() ? ExplainException.Kind.PREDICTOR_UNAVAILABLE
                    : ExplainException.Kind.PREDICTOR_ERROR, p.getMessage(), p);
        }
        return new ExplainException(ExplainException.Kind.PREDICTOR_ERROR,
                "explaining model '" + model + "' failed: " + c, c);
    }
}
