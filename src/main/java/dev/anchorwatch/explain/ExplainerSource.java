package dev.anchorwatch.explain;

import java.util.List;

/**
 * A provider of ready explainers besides the spec directory (the demo is one). The service registers what every
 * source gives at start and closes the sources at shutdown; the product never names a concrete source.
 */
public interface ExplainerSource extends AutoCloseable {

    /** The explainers to register; called once, at start. */
    List<ModelExplainer> explainers();

    /** Lines to show an operator once the service listens (e.g. commands to try); none by default. */
    default List<String> startupHints(String serviceUrl) {
        return List.of();
    }

    @Override
    default void close() {
    }
}
