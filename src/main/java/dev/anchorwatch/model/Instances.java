package dev.anchorwatch.model;

import java.util.List;

/** A batch of model inputs, in one of the shapes the explainers produce. */
public sealed interface Instances permits Instances.Rows, Instances.Texts, Instances.Tensors {

    int size();

    /** Tabular rows (categories label-encoded), each of the same length. */
    record Rows(double[][] rows) implements Instances {
        @Override
        public int size() {
            return rows.length;
        }
    }

    /** Raw texts, one per instance. */
    record Texts(List<String> texts) implements Instances {
        public Texts {
            texts = List.copyOf(texts);
        }

        @Override
        public int size() {
            return texts.size();
        }
    }

    /**
     * Dense tensors (images), each instance flattened row-major with the given per-instance shape,
     * for example {@code [H, W, C]}.
     */
    record Tensors(float[][] data, int[] shape) implements Instances {
        @Override
        public int size() {
            return data.length;
        }
    }
}
