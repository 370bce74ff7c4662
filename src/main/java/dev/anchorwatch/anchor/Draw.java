package dev.anchorwatch.anchor;

import java.util.List;

/**
 * Perturbations drawn by a {@link Sampler}: the samples themselves (what the model will see) and, for each,
 * which predicates it satisfies.
 *
 * @param <S> the sample type (a tabular row, a text, an image)
 */
public record Draw<S>(List<S> samples, PredicateMatrix satisfied) {
    public Draw {
        samples = List.copyOf(samples);
        if (samples.size() != satisfied.rows()) {
            throw new IllegalArgumentException(
                    "draw has " + samples.size() + " samples but " + satisfied.rows() + " predicate rows");
        }
    }

    public int size() {
        return samples.size();
    }
}
