package dev.anchorwatch.model;

import java.io.IOException;
import java.io.InputStream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A multinomial (softmax) linear model: scores {@code W·x + b}, probabilities their softmax, the label the
 * highest score (first wins ties). Reads scikit-learn's {@code coef_} / {@code intercept_} as exported to JSON
 * ({@code {"coef": [[...], ...], "intercept": [...]}}), e.g. the Fashion-MNIST model of the image demo.
 * Immutable and thread-safe.
 */
public final class LinearClassifier implements Classifier {
    private final double[][] weights;
    private final double[] bias;

    public LinearClassifier(double[][] weights, double[] bias) {
        if (weights.length < 2 || weights.length != bias.length) {
            throw new IllegalArgumentException("need at least two classes and one bias per class, got "
                    + weights.length + " weight rows and " + bias.length + " biases");
        }
        int d = weights[0].length;
        this.weights = new double[weights.length][];
        for (int k = 0; k < weights.length; k++) {
            if (weights[k].length != d || d == 0) {
                throw new IllegalArgumentException("weight row " + k + " has " + weights[k].length + " values, row 0 "
                        + d);
            }
            this.weights[k] = weights[k].clone();
        }
        this.bias = bias.clone();
    }

    /** Reads {@code coef} (classes × features) and {@code intercept} from a JSON object. */
    public static LinearClassifier fromJson(InputStream in) throws IOException {
        JsonNode root = Json.MAPPER.readTree(in);
        JsonNode coef = root == null ? null : root.get("coef");
        JsonNode intercept = root == null ? null : root.get("intercept");
        if (coef == null || !coef.isArray() || intercept == null || !intercept.isArray()) {
            throw new IllegalArgumentException("linear model JSON needs \"coef\" and \"intercept\" arrays");
        }
        double[][] w = new double[coef.size()][];
        for (int k = 0; k < w.length; k++) {
            w[k] = new double[coef.get(k).size()];
            for (int j = 0; j < w[k].length; j++) {
                w[k][j] = coef.get(k).get(j).asDouble();
            }
        }
        double[] b = new double[intercept.size()];
        for (int k = 0; k < b.length; k++) {
            b[k] = intercept.get(k).asDouble();
        }
        return new LinearClassifier(w, b);
    }

    /** The raw scores W·x + b. */
    public double[] scores(double[] row) {
        if (row.length != features()) {
            throw new IllegalArgumentException("expected " + features() + " values, got " + row.length);
        }
        double[] s = new double[bias.length];
        for (int k = 0; k < s.length; k++) {
            double[] w = weights[k];
            double acc = bias[k];
            for (int j = 0; j < w.length; j++) {
                acc += w[j] * row[j];
            }
            s[k] = acc;
        }
        return s;
    }

    @Override
    public double[] probabilities(double[] row) {
        double[] s = scores(row);
        double max = Double.NEGATIVE_INFINITY;
        for (double v : s) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int k = 0; k < s.length; k++) {
            s[k] = Math.exp(s[k] - max);
            sum += s[k];
        }
        for (int k = 0; k < s.length; k++) {
            s[k] /= sum;
        }
        return s;
    }

    @Override
    public int predict(double[] row) {
        return Classifier.argmax(scores(row));
    }

    @Override
    public int classes() {
        return bias.length;
    }

    @Override
    public int features() {
        return weights[0].length;
    }
}
