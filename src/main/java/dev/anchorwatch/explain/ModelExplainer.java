package dev.anchorwatch.explain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Explains instances of one model; thread-safe, shared by every request and event for that model. */
public interface ModelExplainer extends AutoCloseable {

    ExplainerSpec spec();

    /**
     * Explains one instance (as it appears in a V1 {@code instances} list) with the given seed.
     *
     * @return the explanation in Alibi's JSON shape
     * @throws ExplainException for bad input (permanent) or predictor trouble (transient or not)
     */
    default Explained explain(JsonNode instance, long seed) {
        return explain(instance, seed, Cancellation.NONE);
    }

    /**
     * As {@link #explain(JsonNode, long)}, stopping when {@code cancel} is cancelled: no predictor call is sent after
     * that, a pending one is abandoned, and the explanation throws {@link Cancellation.Cancelled}. The explainers of
     * this package check it before every predictor batch.
     */
    Explained explain(JsonNode instance, long seed, Cancellation cancel);

    @Override
    default void close() {
    }

    /**
     * An explanation and the facts other components (sinks, pairing) need without parsing it again.
     *
     * @param predictorCalls requests the explanation cost on its own (as published: the same on every retry)
     * @param predictorRows  rows it cost on its own
     * @param sentCalls      requests actually sent: fewer where labels other explanations fetched were reused
     * @param sentRows       rows actually sent
     */
    record Explained(ObjectNode json, int prediction, java.util.List<String> anchor, double precision,
                     double coverage, boolean success, long predictorCalls, long predictorRows,
                     long elapsedMillis, long sentCalls, long sentRows) {
        /** An explanation that sent exactly what it cost. */
        public Explained(ObjectNode json, int prediction, java.util.List<String> anchor, double precision,
                         double coverage, boolean success, long predictorCalls, long predictorRows,
                         long elapsedMillis) {
            this(json, prediction, anchor, precision, coverage, success, predictorCalls, predictorRows,
                    elapsedMillis, predictorCalls, predictorRows);
        }
    }
}
