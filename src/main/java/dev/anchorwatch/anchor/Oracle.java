package dev.anchorwatch.anchor;

import java.util.List;

/**
 * The black box as the search sees it: for each sample, whether the model labels it like the explained
 * instance. One call per search round carries every sample that round needs, so an implementation can send
 * them to the model as one (or a few row-limited) requests.
 */
@FunctionalInterface
public interface Oracle<S> {
    boolean[] sameLabel(List<S> samples) throws Exception;

    /**
     * The model's labels of these samples that are known without calling it (for instance the labels of a
     * tabular model's training rows, fetched once), as class indices, −1 where unknown; {@code null} (the
     * default) when none are. The search uses them only to plan which samples its first request carries, never
     * as answers: answers come from {@link #sameLabel}.
     */
    default int[] knownLabels(List<S> samples) {
        return null;
    }
}
