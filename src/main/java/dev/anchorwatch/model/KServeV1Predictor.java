package dev.anchorwatch.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.random.RandomGenerator;

/**
 * KServe V1 client: {@code POST {base}/v1/models/{name}:predict} with {@code {"instances": [...]}}, reading
 * {@code {"predictions": [...]}}. Rows go as arrays of numbers, texts as strings, tensors as nested lists of their
 * shape. A prediction may be a class index, an integral number, a boolean, a class name (mapped through
 * {@link PredictorConfig#classNames()}) or a score vector (argmax, first wins ties).
 */
public final class KServeV1Predictor extends HttpPredictor {

    public KServeV1Predictor(PredictorConfig config) {
        this(config, null);
    }

    /** @param jitter source of backoff jitter; null for a fresh per-client one */
    public KServeV1Predictor(PredictorConfig config, RandomGenerator jitter) {
        super(requireV1(config), jitter);
    }

    private static PredictorConfig requireV1(PredictorConfig config) {
        if (config != null && config.protocol() != PredictorConfig.Protocol.V1) {
            throw new IllegalArgumentException("KServeV1Predictor needs protocol V1, got " + config.protocol());
        }
        return config;
    }

    @Override
    void writeBody(JsonGenerator json, Instances batch, int from, int to) throws IOException {
        json.writeStartObject();
        json.writeArrayFieldStart("instances");
        if (batch instanceof Instances.Rows r) {
            for (int i = from; i < to; i++) {
                json.writeStartArray();
                for (double v : r.rows()[i]) {
                    writeCompact(json, v);
                }
                json.writeEndArray();
            }
        } else if (batch instanceof Instances.Texts t) {
            for (int i = from; i < to; i++) {
                json.writeString(t.texts().get(i));
            }
        } else if (batch instanceof Instances.Tensors t) {
            for (int i = from; i < to; i++) {
                writeNested(json, t.data()[i], t.shape(), 0, 0);
            }
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    /** Writes the row-major values from {@code offset} as nested lists for dimensions {@code dim..}; returns the next offset. */
    private static int writeNested(JsonGenerator json, float[] data, int[] shape, int dim, int offset)
            throws IOException {
        json.writeStartArray();
        if (dim == shape.length - 1) {
            for (int i = 0; i < shape[dim]; i++) {
                float v = data[offset++];
                if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                    json.writeNumber((long) v);
                } else {
                    json.writeNumber((float) requireFinite(v));
                }
            }
        } else {
            for (int i = 0; i < shape[dim]; i++) {
                offset = writeNested(json, data, shape, dim + 1, offset);
            }
        }
        json.writeEndArray();
        return offset;
    }

    /** Each prediction a score vector (numbers), or one number (a regressor's value, or a single score). */
    @Override
    double[][] readScores(JsonNode body, int expected) {
        JsonNode predictions = body.get("predictions");
        if (predictions == null || !predictions.isArray()) {
            throw Labels.bad("response has no \"predictions\" array");
        }
        if (predictions.size() != expected) {
            throw Labels.bad("response has " + predictions.size() + " predictions for " + expected + " instances");
        }
        double[][] out = new double[expected][];
        for (int i = 0; i < expected; i++) {
            JsonNode p = predictions.get(i);
            if (p.isNumber()) {
                out[i] = new double[] {p.doubleValue()};
            } else if (p.isArray() && !p.isEmpty()) {
                out[i] = new double[p.size()];
                for (int j = 0; j < p.size(); j++) {
                    if (!p.get(j).isNumber()) {
                        throw Labels.bad("prediction " + i + " has a score that is " + Labels.kind(p.get(j))
                                + ", expected a number");
                    }
                    out[i][j] = p.get(j).doubleValue();
                }
            } else {
                throw Labels.bad("prediction " + i + " is " + Labels.kind(p) + "; scores (a number or a list of"
                        + " numbers per instance) are needed: serve probabilities (e.g. predict_proba)");
            }
            if (i > 0 && out[i].length != out[0].length) {
                throw Labels.bad("prediction " + i + " has " + out[i].length + " scores, prediction 0 has "
                        + out[0].length);
            }
        }
        return out;
    }

    @Override
    int[] readLabels(JsonNode body, int expected, Labels labels) {
        JsonNode predictions = body.get("predictions");
        if (predictions == null || !predictions.isArray()) {
            throw Labels.bad("response has no \"predictions\" array");
        }
        if (predictions.size() != expected) {
            throw Labels.bad("response has " + predictions.size() + " predictions for " + expected + " instances");
        }
        int[] out = new int[expected];
        for (int i = 0; i < expected; i++) {
            out[i] = labels.fromPrediction(predictions.get(i), i);
        }
        return out;
    }
}
