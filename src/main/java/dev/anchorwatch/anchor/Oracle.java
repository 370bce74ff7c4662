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
}
