package dev.anchorwatch.model;

/**
 * A probabilistic classifier over one tabular row (categories label-encoded). Implementations are immutable and
 * safe to call from many threads.
 */
public interface Classifier {

    /** Class probabilities for one row, {@link #classes()} values; throws IllegalArgumentException on a bad row. */
    double[] probabilities(double[] row);

    int classes();

    /** Values expected per row, or -1 when the classifier does not say (then any length is passed through). */
    default int features() {
        return -1;
    }

    /** The predicted class: the most probable one, the lowest index on ties. */
    default int predict(double[] row) {
        return argmax(probabilities(row));
    }

    /** The predicted class of each row; implementations may override it with a faster batch evaluation. */
    default int[] predictAll(double[][] rows) {
        int[] labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            labels[i] = predict(rows[i]);
        }
        return labels;
    }

    /** The class probabilities of each row; implementations may override it with a faster batch evaluation. */
    default double[][] probabilitiesAll(double[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = probabilities(rows[i]);
        }
        return out;
    }

    /** Index of the largest value, the first one on ties (as numpy's argmax). */
    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
