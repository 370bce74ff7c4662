package dev.anchorwatch.viewer;

import java.util.List;

/** One page of a list, newest first, and where the next one starts (null when this is the last). */
public record Page(List<ExplanationSummary> items, Cursor next) {
    public Page {
        items = List.copyOf(items);
    }
}
