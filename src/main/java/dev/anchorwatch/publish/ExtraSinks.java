package dev.anchorwatch.publish;

import java.util.List;

/**
 * Sinks that other parts of the service add beside the configured ones (the viewer's in-memory store is one).
 * Every CDI bean of this type is asked once, when the publisher is built.
 */
public interface ExtraSinks {
    List<ExplanationSink> sinks();
}
